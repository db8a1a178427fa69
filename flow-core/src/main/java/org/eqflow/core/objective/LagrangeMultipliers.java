package org.eqflow.core.objective;

import java.util.Arrays;
import org.eqflow.core.FlowConfig;

/**
 * The Lagrange multipliers {@code λ_k ≥ 0} of the soft constraint, updated as in Rezende and Viola 2018
 * ("Taming VAEs", arXiv:1810.00597): an exponential moving average of the violation,
 *
 * <pre>
 *   C̄_k ← α C̄_k + (1 − α)(C_k − κ),     λ_k ← clamp(λ_k · exp(η C̄_k), 1/λmax, λmax)
 * </pre>
 *
 * so {@code λ_k} grows while the constraint is violated and decays once it holds: the max over
 * {@code λ} of the min-max Lagrangian, done multiplicatively so {@code λ} stays positive.
 */
public final class LagrangeMultipliers {
    private final double[] lambda;
    private final double[] average;
    private final double kappa;
    private final double rate;
    private final double ema;
    private final double max;

    public LagrangeMultipliers(int count, FlowConfig c) {
        this.lambda = new double[count];
        this.average = new double[count];
        Arrays.fill(lambda, c.initialMultiplier());
        this.kappa = c.kappa();
        this.rate = c.multiplierRate();
        this.ema = c.multiplierEma();
        this.max = c.maxMultiplier();
    }

    /** One update from the measured constraints {@code C_k}. */
    public void update(double[] constraints) {
        for (int k = 0; k < lambda.length; k++) {
            average[k] = ema * average[k] + (1 - ema) * (constraints[k] - kappa);
            lambda[k] = Math.min(max, Math.max(1 / max, lambda[k] * Math.exp(rate * average[k])));
        }
    }

    public double[] values() {
        return lambda.clone();
    }

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

    public int size() {
        return lambda.length;
    }
}
