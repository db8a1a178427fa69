package org.eqflow.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Overflow-free versions of ops that ND4J 1.0.0-M2.1 computes naively.
 *
 * <p>ND4J's {@code softplus} and {@code logSigmoid} evaluate {@code log(1 + e^x)} directly: in float32
 * {@code softplus(89)} is already {@code +∞} (and {@code softplus(710)} in float64), which turns a large
 * but harmless pre-activation into {@code ∞ − ∞ = NaN} one layer later. Here
 * {@code softplus(x) = relu(x) + softplus(−|x|)}, whose second term never exceeds {@code log 2}.
 */
public final class StableOps {
    private StableOps() {
    }

    /** {@code log(1 + e^x)}, exact and finite for every finite {@code x}. */
    public static SDVariable softplus(SameDiff sd, SDVariable x) {
        return sd.nn.relu(x, 0.0).add(sd.nn.softplus(sd.math.abs(x).neg()));
    }

    /** {@code log σ(x) = −softplus(−x)}, finite for every finite {@code x}. */
    public static SDVariable logSigmoid(SameDiff sd, SDVariable x) {
        return softplus(sd, x.neg()).neg();
    }
}
