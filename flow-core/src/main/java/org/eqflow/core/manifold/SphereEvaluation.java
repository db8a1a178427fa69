package org.eqflow.core.manifold;

import java.util.List;
import java.util.SplittableRandom;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.Moments;

/**
 * Evaluation of a flow on S²: held-out log-likelihood of data and, with a target, its gap to the target's entropy
 * (plain and paired), and the invariance error of the learned density under rotations about the z axis. What
 * {@code eqflow eval} prints for a model of the {@code sphere} family.
 */
public final class SphereEvaluation {
    /** Points at which the invariance error is measured (data rows, else samples of the flow). */
    public static final int INVARIANCE_POINTS = 1000;

    private SphereEvaluation() {
    }

    /**
     * The report, in nats; log-densities with respect to area. Fields that do not apply are absent.
     *
     * @param manifold         {@code s2}
     * @param symmetry         the flow's symmetry, {@code axis:z} or {@code none}
     * @param target           the target's spec
     * @param entropy          the target's entropy {@code −E_p[log p]} with respect to area
     * @param points           data rows evaluated
     * @param nll              {@code −mean log q} of the data
     * @param nllStderr        its standard error over points
     * @param nllMinusEntropy  {@code nll − entropy}: an estimate of {@code KL(p ‖ q)} when the data are draws of p
     * @param gap              the paired {@code mean(log p − log q)} of the data: the same estimate, with less noise
     * @param gapStderr        its standard error
     * @param invarianceError  the largest {@code |log q(R x) − log q(x)|} over the points, R a random rotation about z
     * @param invariancePoints how many points it was measured at
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(
            @JsonProperty("manifold") String manifold,
            @JsonProperty("symmetry") String symmetry,
            @JsonProperty("target") String target,
            @JsonProperty("entropy") Double entropy,
            @JsonProperty("points") Integer points,
            @JsonProperty("nll") Double nll,
            @JsonProperty("nll_stderr") Double nllStderr,
            @JsonProperty("nll_minus_entropy") Double nllMinusEntropy,
            @JsonProperty("gap") Double gap,
            @JsonProperty("gap_stderr") Double gapStderr,
            @JsonProperty("invariance_error") double invarianceError,
            @JsonProperty("invariance_points") int invariancePoints) {
    }

    /**
     * Evaluates.
     *
     * @param flow   the flow
     * @param target the true density, or null
     * @param data   unit vectors (held-out data), or null
     * @param seed   the seed of every draw
     * @return the report
     */
    public static Report evaluate(SphereFlow flow, SphereTarget target, List<double[]> data, long seed) {
        Double entropy = target == null ? null : target.entropy();
        Double nll = null;
        Double nllSe = null;
        Double excess = null;
        Double gap = null;
        Double gapSe = null;
        boolean haveData = data != null && !data.isEmpty();
        double[] lq = null;
        if (haveData) {
            lq = flow.inverse(data.toArray(double[][]::new)).logDensity();
            Moments logq = new Moments().addAll(lq);
            nll = -logq.mean();
            nllSe = lq.length < 2 ? 0 : logq.stderr();
            if (target != null) {
                excess = nll - entropy;
                double logZ = target.logNormaliser();
                Moments diff = new Moments();
                for (int i = 0; i < lq.length; i++) {
                    diff.add(target.logUnnormalised(data.get(i)) - logZ - lq[i]);
                }
                gap = diff.mean();
                gapSe = lq.length < 2 ? 0 : diff.stderr();
            }
        }
        double[][] at = haveData ? data.subList(0, Math.min(data.size(), INVARIANCE_POINTS)).toArray(double[][]::new)
                : flow.forward(SphereFlow.uniform(INVARIANCE_POINTS, Noise.stream(seed, 1, Noise.Purpose.EVALUATION))).points();
        SplittableRandom rng = Noise.stream(seed, 2, Noise.Purpose.ROTATION);
        double[][] moved = new double[at.length][];
        for (int i = 0; i < at.length; i++) {
            double a = 2 * Math.PI * rng.nextDouble();
            double[] x = at[i];
            moved[i] = new double[] {Math.cos(a) * x[0] - Math.sin(a) * x[1], Math.sin(a) * x[0] + Math.cos(a) * x[1], x[2]};
        }
        // the data's log-densities are at hand; samples need their own
        double[] a = haveData ? lq : flow.inverse(at).logDensity();
        double[] b = flow.inverse(moved).logDensity();
        double worst = 0;
        for (int i = 0; i < at.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return new Report("s2", flow.config().symmetry().spec(), target == null ? null : target.name(), entropy,
                haveData ? data.size() : null, nll, nllSe, excess, gap, gapSe, worst, at.length);
    }
}
