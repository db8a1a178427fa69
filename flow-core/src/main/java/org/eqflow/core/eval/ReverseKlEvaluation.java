package org.eqflow.core.eval;

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

    /** {@code n} weighted draws of the flow (model in its own precision; weights in float64). */
    public static Draws draws(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed) {
        return batch(flow, target, n, seed, 0);
    }

    /** {@link Importance} of {@code n} draws in {@value #BATCHES} batches. */
    public static Importance importance(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed) {
        int per = Math.max(2, n / BATCHES);
        List<double[]> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            batches.add(batch(flow, target, per, seed, b).logWeights());
        }
        return Importance.of(batches);
    }

    private static Draws batch(EquivariantHamiltonianFlow flow, UnnormalisedTarget target, int n, long seed, long counter) {
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
        for (int i = 0; i < n; i++) {
            double logPi = 0;
            for (int j = 0; j < 2 * d; j++) {
                logPi += base.logDensityCoordinate(base0[i * 2 * d + j]);
            }
            System.arraycopy(x, i * d, points[i], 0, d);
            logW[i] = -target.energy(points[i]) + logH[i] - logPi;
        }
        return new Draws(points, logW);
    }
}
