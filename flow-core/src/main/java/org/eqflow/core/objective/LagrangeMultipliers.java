package org.eqflow.core.objective;

import java.util.Arrays;

/**
 * The Lagrange multipliers {@code λ_k ≥ 0} of the soft constraint, updated as in Rezende and Viola 2018
 * ("Taming VAEs", arXiv:1810.00597): an exponential moving average of the violation drives a
 * multiplicative update,
 *
 * <pre>
 *   C̄_k ← α C̄_k + (1 − α)(C_k − κ),     λ_k ← clamp(λ_k · exp(η · clip(C̄_k / κ, −1, 1)), 1/λmax, λmax)
 * </pre>
 *
 * so {@code λ_k} grows while the constraint is violated and decays once it holds: the max over
 * {@code λ} of the min-max Lagrangian, done multiplicatively so {@code λ} stays positive.
 *
 * <p>The violation is measured relative to {@code κ} and clipped, so {@code log λ} moves by at most
 * {@code η} per step whatever the scale of the brackets. With the raw {@code exp(η C̄)} of the paper, a
 * network whose initial brackets are large ({@code C ≫ κ}) drives {@code λ} to its ceiling within a few
 * steps, and once the constraint holds ({@code C̄ ≈ −κ}) it takes {@code ~1/(ηκ)} steps to come back:
 * the penalty then swamps the likelihood for thousands of iterations.
 */
public final class LagrangeMultipliers {
    private final double[] lambda;
    private final double[] average;
    private final double kappa;
    private final double rate;
    private final double ema;
    private final double max;

    /** The rule's settings: initial λ, κ, rate η, EMA factor α, and the clamp {@code [1/max, max]}. */
    public record Settings(double initial, double kappa, double rate, double ema, double max) {
    }

    /** {@code count} multipliers at the initial value of the settings {@code c}. */
    public LagrangeMultipliers(int count, Settings c) {
        this.lambda = new double[count];
        this.average = new double[count];
        Arrays.fill(lambda, c.initial());
        this.kappa = c.kappa();
        this.rate = c.rate();
        this.ema = c.ema();
        this.max = c.max();
    }

    /** One update from the measured constraints {@code C_k}. */
    public void update(double[] constraints) {
        for (int k = 0; k < lambda.length; k++) {
            average[k] = ema * average[k] + (1 - ema) * (constraints[k] - kappa);
            double relative = Math.max(-1, Math.min(1, average[k] / Math.max(kappa, Double.MIN_NORMAL)));
            lambda[k] = Math.min(max, Math.max(1 / max, lambda[k] * Math.exp(rate * relative)));
        }
    }

    /** The multipliers λ_k (a copy). */
    public double[] values() {
        return lambda.clone();
    }

    /** The moving averages of the constraints the rule follows (a copy). */
    public double[] movingAverages() {
        return average.clone();
    }

    /** Restores saved state. */
    public void restore(double[] values, double[] averages) {
        if (values.length != lambda.length || averages.length != average.length) {
            throw new IllegalArgumentException("expected " + lambda.length + " multipliers, got " + values.length);
        }
        System.arraycopy(values, 0, lambda, 0, lambda.length);
        System.arraycopy(averages, 0, average, 0, average.length);
    }

    /** The number of multipliers. */
    public int size() {
        return lambda.length;
    }
}
