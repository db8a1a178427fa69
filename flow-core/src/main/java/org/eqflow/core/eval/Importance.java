package org.eqflow.core.eval;

import java.util.List;
import org.eqflow.core.objective.Iwae;

/**
 * Importance sampling of an unnormalised target {@code p̃ = Z p} with a flow as proposal, from log-weights
 * {@code log w = log p̃ − log q} of independent draws: the effective sample size per draw
 * {@code (Σw)²/(N Σw²)}, {@code log Ẑ = log mean w}, and the bound {@code mean(−log w) = KL(q ‖ p) − log Z}
 * (for an augmented proposal, the KL of the joint, which bounds the marginal's from above). Standard errors:
 * of {@code log Ẑ} by the delta method, of the bound over the draws, of the ESS from the spread of the batches'
 * estimates (which stands for the full sample's, approximately).
 *
 * @param ess         effective sample size per draw, in (0, 1]
 * @param essStderr   its standard error
 * @param logZ        {@code log Ẑ}
 * @param logZStderr  its standard error
 * @param bound       {@code mean(−log w)}
 * @param boundStderr its standard error
 */
public record Importance(double ess, double essStderr, double logZ, double logZStderr, double bound, double boundStderr) {

    /** The estimates from batches of log-weights (at least two batches for the ESS's standard error). */
    public static Importance of(List<double[]> batches) {
        Moments ess = new Moments();
        Moments bound = new Moments();
        int total = 0;
        for (double[] b : batches) {
            ess.add(Iwae.effectiveSampleSize(b));
            bound.addAll(negated(b));
            total += b.length;
        }
        double[] all = new double[total];
        int at = 0;
        for (double[] b : batches) {
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        Iwae.Estimate z = Iwae.estimate(all);
        return new Importance(Iwae.effectiveSampleSize(all), ess.stderr(), z.logDensity(), z.standardError(), bound.mean(),
                bound.stderr());
    }

    /**
     * {@code KL(q ‖ p) = bound + log Z} with the exact {@code log Z}; its standard error is {@link #boundStderr}. Below
     * zero by more than that only when {@code log q} disagrees with the draws.
     */
    public double reverseKl(double exactLogZ) {
        return bound + exactLogZ;
    }

    private static double[] negated(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }
}
