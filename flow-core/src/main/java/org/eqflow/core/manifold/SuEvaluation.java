package org.eqflow.core.manifold;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.Moments;

/**
 * Evaluation of a flow on SU(n): importance sampling of a target (reverse KL, ESS and {@code log Ẑ} with standard
 * errors, against the quadrature's {@code log Z}), held-out log-likelihood of data (and, with a target, its gap to
 * the target's entropy), and the conjugation-invariance error of the learned density. What {@code eqflow eval}
 * prints for a model of the {@code spectral} family.
 */
public final class SuEvaluation {
    /** Points at which the invariance error is measured (data rows, else samples of the flow). */
    public static final int INVARIANCE_POINTS = 1000;

    private SuEvaluation() {
    }

    /**
     * The report, in nats; log-densities with respect to the normalised Haar measure. Fields that do not apply
     * (no target, no data) are absent.
     *
     * @param group            n of SU(n)
     * @param target           the target's spec
     * @param samples          importance samples drawn from the flow
     * @param reverseKl        {@code KL(q ‖ p) = mean(log q − S) + log Z}; below zero beyond its standard error only
     *                         when {@code log q} disagrees with the samples (the integrator's error)
     * @param reverseKlStderr  its standard error
     * @param ess              effective sample size per draw of the weights {@code exp(S − log q)}
     * @param essStderr        its standard error
     * @param logZ             {@code log Ẑ = log mean w}
     * @param logZStderr       its standard error
     * @param logZExact        the target's {@code log Z} by quadrature
     * @param entropy          the target's entropy relative to Haar measure, {@code −E_p[log p]}
     * @param points           data rows evaluated
     * @param nll              {@code −mean log q} of the data
     * @param nllStderr        its standard error over points
     * @param gap              paired {@code mean(log p − log q)} of the data (with a target)
     * @param gapStderr        its standard error
     * @param invarianceError  the largest {@code |log q(V U V†) − log q(U)|} over the points, V Haar
     * @param invariancePoints how many points it was measured at
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(
            @JsonProperty("group") String group,
            @JsonProperty("target") String target,
            @JsonProperty("samples") Integer samples,
            @JsonProperty("reverse_kl") Double reverseKl,
            @JsonProperty("reverse_kl_stderr") Double reverseKlStderr,
            @JsonProperty("ess") Double ess,
            @JsonProperty("ess_stderr") Double essStderr,
            @JsonProperty("log_z") Double logZ,
            @JsonProperty("log_z_stderr") Double logZStderr,
            @JsonProperty("log_z_exact") Double logZExact,
            @JsonProperty("entropy") Double entropy,
            @JsonProperty("points") Integer points,
            @JsonProperty("nll") Double nll,
            @JsonProperty("nll_stderr") Double nllStderr,
            @JsonProperty("gap") Double gap,
            @JsonProperty("gap_stderr") Double gapStderr,
            @JsonProperty("invariance_error") double invarianceError,
            @JsonProperty("invariance_points") int invariancePoints) {
    }

    /**
     * Evaluates.
     *
     * @param flow    the flow
     * @param target  the target to compare with, or null
     * @param data    matrices of SU(n) (held-out data), or null
     * @param samples importance samples for the target's estimates (used only with a target)
     * @param seed    the seed of every draw
     * @return the report
     */
    public static Report evaluate(SpectralFlow flow, SuTarget target, List<ComplexMatrix> data, int samples, long seed) {
        int n = flow.config().n();
        if (target != null && target.n() != n) {
            throw new IllegalArgumentException("the model is on SU(" + n + ") but the target " + target.name() + " on SU(" + target.n() + ")");
        }
        Double kl = null;
        Double klSe = null;
        Double ess = null;
        Double essSe = null;
        Double logZ = null;
        Double logZSe = null;
        if (target != null) {
            org.eqflow.core.eval.Importance imp = flow.importance(samples, target, Noise.stream(seed, 0, Noise.Purpose.EVALUATION));
            kl = imp.reverseKl(target.logNormaliser());
            klSe = imp.boundStderr();
            ess = imp.ess();
            essSe = imp.essStderr();
            logZ = imp.logZ();
            logZSe = imp.logZStderr();
        }
        Double nll = null;
        Double nllSe = null;
        Double gap = null;
        Double gapSe = null;
        Double logZExact = target == null ? null : target.logNormaliser();
        if (data != null && !data.isEmpty()) {
            double[] lq = flow.logDensity(data);
            Moments logq = new Moments().addAll(lq);
            nll = -logq.mean();
            nllSe = lq.length < 2 ? 0 : logq.stderr();
            if (target != null) {
                Moments diff = new Moments();
                for (int i = 0; i < lq.length; i++) {
                    diff.add(target.action(data.get(i)) - logZExact - lq[i]);
                }
                gap = diff.mean();
                gapSe = lq.length < 2 ? 0 : diff.stderr();
            }
        }
        List<ComplexMatrix> at = new ArrayList<>();
        if (data != null && !data.isEmpty()) {
            at.addAll(data.subList(0, Math.min(data.size(), INVARIANCE_POINTS)));
        } else {
            at.addAll(flow.sample(INVARIANCE_POINTS, Noise.stream(seed, 1, Noise.Purpose.EVALUATION)));
        }
        SplittableRandom rng = Noise.stream(seed, 2, Noise.Purpose.ROTATION);
        List<ComplexMatrix> moved = new ArrayList<>(at.size());
        for (ComplexMatrix u : at) {
            ComplexMatrix v = SpecialUnitary.haar(n, rng);
            moved.add(v.times(u).times(v.adjoint()));
        }
        double[] a = flow.logDensity(at);
        double[] b = flow.logDensity(moved);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return new Report("su" + n, target == null ? null : target.name(), target == null ? null : samples, kl, klSe, ess, essSe, logZ,
                logZSe, logZExact, target == null ? null : target.entropy(),
                data == null ? null : data.size(), nll, nllSe, gap, gapSe, worst, at.size());
    }
}
