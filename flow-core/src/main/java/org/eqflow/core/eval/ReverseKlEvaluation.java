package org.eqflow.core.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Noise;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.target.UnnormalisedTarget;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * A Hamiltonian flow as an importance sampler of an energy {@code exp(−E)} (see
 * {@link org.eqflow.core.objective.ReverseKl}): draws {@code (x, p) = T(s₀)}, {@code s₀ ~ π}, weighted by
 * {@code log w = −E(x) + log h(p|x) − log π(s₀)}. Since {@code ∫∫ p̃(x) h(p|x) dp dx = Z}, {@code mean w} is unbiased
 * for {@code Z}, and self-normalised weights turn the draws into estimates under {@code p} whatever the flow's error.
 * Seeded: batch {@code b} of a call with {@code seed} uses {@code (seed, b)}.
 *
 * <p><b>Inner momenta.</b> The joint weight carries the encoder's mismatch {@code KL(q(p|x) ‖ h(p|x))} (for an
 * equivariant flow the momentum map is conserved, so {@code q(p|x)} is not Gaussian and this gap does not vanish).
 * With {@code K > 1} inner momenta the draw's own momentum {@code p₁} is joined by {@code K − 1} encoder draws
 * {@code p_k ~ h(·|x)}:
 * <pre>
 *   log w_K = −E(x) − log (1/K) Σ_k q(x, p_k) / h(p_k|x),     q(x, p_k) = π(T⁻¹(x, p_k))
 * </pre>
 * still unbiased for {@code Z}: it is the exact ratio of {@code p̃(x) Π_k h(p_k|x)} to the proposal that puts the
 * flow's momentum in a uniformly chosen one of the K slots and encoder draws in the others (the weight is symmetric
 * in the slots). As {@code K → ∞} the denominator tends to {@code q(x)}: the weights become the marginal's
 * {@code p̃(x)/q(x)}, and {@code mean(−log w_K)} falls from the joint's bound towards {@code KL(q(x) ‖ p(x)) − log Z}.
 */
public final class ReverseKlEvaluation {
    /** Batches the draws are split into (the ESS's standard error comes from their spread). */
    public static final int BATCHES = 10;

    private ReverseKlEvaluation() {
    }

    /**
     * Weighted draws.
     *
     * @param points     {@code [n, d]} positions (data units)
     * @param logWeights {@code log w} per draw
     */
    public record Draws(double[][] points, double[] logWeights) {
    }

    /** Inner momenta per draw of the reports unless told otherwise (see the class comment). */
    public static final int DEFAULT_INNER = 128;

    /** {@code n} weighted draws of the flow with the joint weights ({@code K = 1}; model in its own precision, weights in float64). */
    public static Draws draws(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed) {
        return batch(flow, target, n, seed, 0, 1);
    }

    /** {@link #draws} with {@code inner} momenta, the {@code chunk}-th of a sequence of calls with one seed. */
    public static Draws draws(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed, long chunk, int inner) {
        return batch(flow, target, n, seed, chunk, inner);
    }

    /** {@link Importance} of {@code n} draws with the joint weights ({@code K = 1}), in {@value #BATCHES} batches. */
    public static Importance importance(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed) {
        return importance(flow, target, n, seed, 1);
    }

    /** {@link Importance} of {@code n} draws with {@code inner} momenta each, in {@value #BATCHES} batches. */
    public static Importance importance(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed, int inner) {
        int per = perBatch(n);
        List<double[]> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            batches.add(batch(flow, target, per, seed, b, inner).logWeights());
        }
        return Importance.of(batches);
    }

    /**
     * What {@code eqflow eval --energy} prints, in nats. Fields that do not apply are absent (no exact {@code log Z}:
     * no error of {@code log Ẑ} and no KL); a value that is not finite is absent too.
     *
     * @param energy        the energy's spec
     * @param draws         importance draws
     * @param innerMomenta  momenta per draw {@code K} (1: the joint weights)
     * @param ess           effective sample size per draw
     * @param essStderr     its standard error
     * @param logZ          {@code log Ẑ = log mean w}
     * @param logZStderr    its standard error
     * @param logZExact     the energy's exact {@code log Z}, where known
     * @param logZError     {@code log Ẑ − log Z}
     * @param bound         {@code mean(−log w)}, the training objective: {@code KL(q(x,p) ‖ p(x)h(p|x)) − log Z}
     * @param boundStderr   its standard error
     * @param reverseKl     {@code bound + log Z}: the joint's KL, an upper bound of {@code KL(q(x) ‖ p(x))}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(
            @JsonProperty("energy") String energy,
            @JsonProperty("draws") int draws,
            @JsonProperty("inner_momenta") int innerMomenta,
            @JsonProperty("ess") Double ess,
            @JsonProperty("ess_stderr") Double essStderr,
            @JsonProperty("log_z") Double logZ,
            @JsonProperty("log_z_stderr") Double logZStderr,
            @JsonProperty("log_z_exact") Double logZExact,
            @JsonProperty("log_z_error") Double logZError,
            @JsonProperty("bound") Double bound,
            @JsonProperty("bound_stderr") Double boundStderr,
            @JsonProperty("reverse_kl") Double reverseKl) {
    }

    /** The {@link Report} of {@code n} draws. */
    public static Report report(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed, int inner) {
        Importance imp = importance(flow, target, n, seed, inner);
        Double exact = target.logNormaliser().isPresent() ? target.logNormaliser().getAsDouble() : null;
        return new Report(target.spec(), BATCHES * perBatch(n), inner, finite(imp.ess()), finite(imp.essStderr()),
                finite(imp.logZ()), finite(imp.logZStderr()), exact, exact == null ? null : finite(imp.logZ() - exact),
                finite(imp.bound()), finite(imp.boundStderr()), exact == null ? null : finite(imp.reverseKl(exact)));
    }

    /** Draws per batch when {@code n} are asked for (at least two, for each batch's ESS). */
    private static int perBatch(int n) {
        return Math.max(2, n / BATCHES);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Draws batch(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed, long counter, int inner) {
        if (inner < 1 || inner > 1 << 16) {
            throw new IllegalArgumentException("inner momenta must be in 1..65536, got " + inner);
        }
        int d = flow.dimension();
        if (target.dimension() != d) {
            throw new IllegalArgumentException("the energy " + target.spec() + " has dimension " + target.dimension()
                    + " but the model has dimension " + d);
        }
        if (!flow.config().identityScaling()) {
            throw new IllegalArgumentException("the model standardises its data (centre or scale), so its space is not the energy's:"
                    + " evaluate a model trained by reverse KL, or one trained with --no-standardize");
        }
        BaseDensity base = flow.parts().base();
        INDArray s0 = base.sample(n, d, Noise.stream(seed, counter, Noise.Purpose.EVALUATION), flow.dataType());
        INDArray q0 = s0.get(all(), interval(0, d)).dup();
        INDArray p0 = s0.get(all(), interval(d, 2 * d)).dup();
        INDArray[] end = flow.forward(q0, p0);
        double[] logH = flow.encoderLogDensity(end[0], end[1]).castTo(DataType.DOUBLE).toDoubleVector();
        double[] base0 = s0.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] x = end[0].castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[][] points = new double[n][d];
        double[] logW = new double[n];
        double[] logBase = new double[n];
        for (int i = 0; i < n; i++) {
            double logPi = 0;
            for (int j = 0; j < 2 * d; j++) {
                logPi += base.logDensityCoordinate(base0[i * 2 * d + j]);
            }
            System.arraycopy(x, i * d, points[i], 0, d);
            logBase[i] = logPi;
            logW[i] = -target.energy(points[i]) + logH[i] - logPi;
        }
        if (inner > 1) {
            // log (1/K)[q(x,p₁)/h(p₁|x) + (K − 1)·IWAE_{K−1}]: the draw's own term joins K − 1 encoder draws
            org.eqflow.core.objective.Iwae.Estimate[] rest = flow.logDensity(end[0], inner - 1,
                    Noise.stream(seed, counter, Noise.Purpose.ENCODER).nextLong());
            for (int i = 0; i < n; i++) {
                double own = logBase[i] - logH[i];
                double others = Math.log(inner - 1.0) + rest[i].logDensity();
                double hi = Math.max(own, others);
                double logMean = hi + Math.log(Math.exp(own - hi) + Math.exp(others - hi)) - Math.log(inner);
                logW[i] = -target.energy(points[i]) - logMean;
            }
        }
        return new Draws(points, logW);
    }
}
