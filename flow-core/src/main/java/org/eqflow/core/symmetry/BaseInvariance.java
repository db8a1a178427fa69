package org.eqflow.core.symmetry;

import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks the second condition of Lemma 1, {@code {g_k, log π} = 0}, numerically at random states in
 * float64. With the standard normal base, {@code {g_A, log π} = qᵀAq − pᵀAp}, which vanishes for every
 * state only when {@code A} is antisymmetric; the soft-uniform base is invariant under no rotation.
 */
public final class BaseInvariance {
    private static final int STATES = 64;
    private static final double TOLERANCE = 1e-9;

    private BaseInvariance() {
    }

    /** The largest {@code |{g_k, log π}|} over {@code STATES} seeded random states, per generator. */
    public static double[] maxBracket(Symmetry symmetry, BaseDensity base) {
        int d = symmetry.dimension();
        SameDiff sd = SameDiff.create();
        SplittableRandom rng = new SplittableRandom(0x5eed);
        double[] v = new double[STATES * d];
        double[] w = new double[STATES * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * rng.nextGaussian();
            w[i] = 2 * rng.nextGaussian();
        }
        SDVariable q = sd.constant(Nd4j.create(v, new long[] {STATES, d}, DataType.DOUBLE));
        SDVariable p = sd.constant(Nd4j.create(w, new long[] {STATES, d}, DataType.DOUBLE));
        PhaseState s = new PhaseState(q, p);
        SDVariable b = symmetry.brackets(sd, s, base.gradLogDensity(sd, s)).rename("bracket");
        INDArray out = sd.output(Map.of(), "bracket").get("bracket");
        return Nd4j.math().abs(out).max(0).toDoubleVector();
    }

    /** Throws if some generator does not leave the base density invariant. */
    public static void check(Symmetry symmetry, BaseDensity base) {
        double[] worst = maxBracket(symmetry, base);
        for (int k = 0; k < worst.length; k++) {
            if (!(worst[k] <= TOLERANCE)) {
                String name = symmetry.generators().get(k).name();
                throw new IllegalArgumentException("generator " + name + " does not leave the base density '"
                        + base.spec() + "' invariant ({g, log π} reaches " + worst[k] + "), so the learned density"
                        + " could not be invariant (Lemma 1). With the normal base, a linear generator needs an"
                        + " antisymmetric matrix; the soft-uniform base admits no rotation symmetry.");
            }
        }
    }
}
