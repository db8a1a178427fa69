package org.eqflow.core.objective;

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

    /** Reduces {@code logWeights[m]} (M samples of one point). */
    public static Estimate estimate(double[] logWeights) {
        int m = logWeights.length;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logWeights) {
            max = Math.max(max, v);
        }
        if (!Double.isFinite(max)) {
            return new Estimate(max, Double.NaN);
        }
        double sum = 0;
        double sumSq = 0;
        for (double v : logWeights) {
            double w = Math.exp(v - max);
            sum += w;
            sumSq += w * w;
        }
        double mean = sum / m;
        double var = m > 1 ? Math.max(0, (sumSq - m * mean * mean) / (m - 1)) : Double.NaN;
        return new Estimate(max + Math.log(mean), Math.sqrt(var / m) / mean);
    }
}
