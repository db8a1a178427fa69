package org.eqflow.core.symmetry;

import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks that a generator's {@link Generator#matrix()} describes the same generator as its graph ops: the
 * fused engine computes brackets from the matrix, the graph from {@code value}, {@code gradQ} and
 * {@code gradP}, so a disagreement would make the two engines impose different symmetries. At a few
 * random states (float64) {@code g = pᵀAq}, {@code ∂g/∂q = Aᵀp} and {@code ∂g/∂p = Aq} must hold to
 * round-off. {@link LinearGenerator} derives all of them from its matrix and is not re-checked.
 */
public final class MatrixCheck {
    private static final int STATES = 4;
    private static final double TOLERANCE = 1e-9;

    private MatrixCheck() {
    }

    /** @throws IllegalArgumentException naming the generator and the disagreeing quantity */
    public static void verify(Symmetry symmetry) {
        for (Generator g : symmetry.generators()) {
            if (!(g instanceof LinearGenerator)) {
                g.matrix().ifPresent(a -> verify(g, a));
            }
        }
    }

    private static void verify(Generator g, double[][] a) {
        int d = g.dimension();
        if (a.length != d || java.util.Arrays.stream(a).anyMatch(row -> row.length != d)) {
            throw new IllegalArgumentException("generator " + g.name() + ": matrix() must be " + d + "×" + d
                    + " (its dimension), got " + a.length + " rows");
        }
        SplittableRandom random = new SplittableRandom(0x5eed + d);
        double[] q = new double[STATES * d];
        double[] p = new double[STATES * d];
        for (int i = 0; i < q.length; i++) {
            q[i] = random.nextDouble(-1, 1);
            p[i] = random.nextDouble(-1, 1);
        }
        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.placeHolder("q", DataType.DOUBLE, -1, d);
        SDVariable pv = sd.placeHolder("p", DataType.DOUBLE, -1, d);
        PhaseState s = new PhaseState(qv, pv);
        g.value(sd, s).rename("value");
        g.gradQ(sd, s).rename("gradQ");
        g.gradP(sd, s).rename("gradP");
        Map<String, INDArray> out = sd.output(Map.of("q", Nd4j.create(q, new long[] {STATES, d}, DataType.DOUBLE),
                "p", Nd4j.create(p, new long[] {STATES, d}, DataType.DOUBLE)), "value", "gradQ", "gradP");
        double[] value = new double[STATES];
        double[] gradQ = new double[STATES * d];
        double[] gradP = new double[STATES * d];
        for (int r = 0; r < STATES; r++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double aij = a[i][j];
                    if (aij != 0) {
                        value[r] += p[r * d + i] * aij * q[r * d + j];
                        gradQ[r * d + j] += aij * p[r * d + i];
                        gradP[r * d + i] += aij * q[r * d + j];
                    }
                }
            }
        }
        compare(g, "g(q, p) = pᵀAq", value, out.get("value").castTo(DataType.DOUBLE).reshape(-1).toDoubleVector());
        compare(g, "∂g/∂q = Aᵀp", gradQ, out.get("gradQ").castTo(DataType.DOUBLE).reshape(-1).toDoubleVector());
        compare(g, "∂g/∂p = Aq", gradP, out.get("gradP").castTo(DataType.DOUBLE).reshape(-1).toDoubleVector());
    }

    private static void compare(Generator g, String what, double[] expected, double[] actual) {
        Optional<String> problem = Optional.empty();
        if (expected.length != actual.length) {
            problem = Optional.of("the graph gives " + actual.length + " values where " + expected.length + " are expected");
        } else {
            double scale = 1;
            for (double v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < expected.length && problem.isEmpty(); i++) {
                if (!(Math.abs(expected[i] - actual[i]) <= TOLERANCE * scale)) {
                    problem = Optional.of("at a random state the graph gives " + actual[i] + " where the matrix gives " + expected[i]);
                }
            }
        }
        problem.ifPresent(p -> {
            throw new IllegalArgumentException("generator " + g.name() + ": its matrix() disagrees with its graph ops ("
                    + what + ": " + p + "), so the two engines would impose different symmetries; make matrix() "
                    + "return the A of g = pᵀAq, or return Optional.empty() if the generator is not of that form");
        });
    }
}
