package org.eqflow.core.objective;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The importance-weighted bound (Burda et al. 2016) from {@code M} log-weights per point:
 *
 * <pre>
 *   IWAE_M(q) = log (1/M) Σ_m exp(log w_m)  ≤  log p(q),   rising to log p(q) as M → ∞
 * </pre>
 *
 * with its Monte Carlo standard error by the delta method,
 * {@code se ≈ sd(w) / (√M · mean(w))}, computed stably relative to the largest weight.
 */
public final class Iwae {
    private Iwae() {
    }

    /** An estimate of {@code log p(q)} for one point and its standard error. */
    public record Estimate(double logDensity, double standardError) {
    }

    /**
     * The training bound as graph ops: {@code mean_g [log (1/K) Σ_k exp(log w_{gK+k})]} over the {@code N/K} groups of
     * {@code K} consecutive rows of {@code logWeights [N]} (each group one data point's K draws); with
     * {@code K = 1} the mean of {@code log w}, the ELBO. The log-sum-exp is shifted by each group's largest weight,
     * which changes nothing mathematically (its gradient cancels) and keeps float32 from overflowing.
     */
    public static SDVariable bound(SameDiff sd, SDVariable logWeights, int k) {
        if (k == 1) {
            return logWeights.mean();
        }
        return logMeanExp(sd, logWeights.reshape(-1, k)).mean();
    }

    /**
     * {@code log (1/K) Σ_k exp(v_gk)} of each row of {@code grouped [G, K]}, shape {@code [G]}, shifted by the row's
     * largest value (the bound above per group; reverse-KL training's log-mean over a draw's momenta).
     */
    public static SDVariable logMeanExp(SameDiff sd, SDVariable grouped) {
        SDVariable max = grouped.max(true, 1);
        SDVariable sum = sd.math.exp(grouped.sub(max)).mean(true, 1);
        return max.add(sd.math.log(sum)).reshape(-1);
    }

    /**
     * The same bound in plain arithmetic, with its adjoint: fills {@code rowWeights[r] = ∂ bound / ∂ log w_r},
     * the softmax of the row's group divided by the number of groups; returns the bound.
     */
    public static double bound(double[] logWeights, int k, double[] rowWeights) {
        int groups = logWeights.length / k;
        double total = 0;
        for (int g = 0; g < groups; g++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = g * k; i < (g + 1) * k; i++) {
                max = Math.max(max, logWeights[i]);
            }
            double sum = 0;
            for (int i = g * k; i < (g + 1) * k; i++) {
                rowWeights[i] = Math.exp(logWeights[i] - max);
                sum += rowWeights[i];
            }
            for (int i = g * k; i < (g + 1) * k; i++) {
                rowWeights[i] /= sum * groups;
            }
            total += max + Math.log(sum / k);
        }
        return total / groups;
    }

    /** Reduces {@code logWeights[m]} (M samples of one point). */
    public static Estimate estimate(double[] logWeights) {
        int m = logWeights.length;
        double[] s = shiftedSums(logWeights);
        double max = s[0];
        if (!Double.isFinite(max)) {
            return new Estimate(max, Double.NaN);
        }
        double sum = s[1];
        double sumSq = s[2];
        double mean = sum / m;
        double var = m > 1 ? Math.max(0, (sumSq - m * mean * mean) / (m - 1)) : Double.NaN;
        return new Estimate(max + Math.log(mean), Math.sqrt(var / m) / mean);
    }

    /**
     * The effective sample size per draw of importance weights, {@code (Σ w)² / (M Σ w²)}: 1 when all weights are
     * equal, {@code 1/M} when one carries everything.
     *
     * @param logWeights {@code log w} of M draws
     * @return a number in {@code [1/M, 1]} (NaN if no weight is finite)
     */
    public static double effectiveSampleSize(double[] logWeights) {
        double[] s = shiftedSums(logWeights);
        return s[1] * s[1] / (s[2] * logWeights.length);
    }

    /** {@code {max, Σ e^{v − max}, Σ e^{2(v − max)}}}: sums of the weights scaled by the largest, free of overflow. */
    private static double[] shiftedSums(double[] logWeights) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logWeights) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double sumSq = 0;
        if (Double.isFinite(max)) {
            for (double v : logWeights) {
                double w = Math.exp(v - max);
                sum += w;
                sumSq += w * w;
            }
        }
        return new double[] {max, sum, sumSq};
    }
}
