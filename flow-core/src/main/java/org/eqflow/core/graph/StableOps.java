package org.eqflow.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Overflow-free versions of ops that ND4J 1.0.0-M2.1 computes naively.
 *
 * <p>ND4J's {@code softplus} and {@code logSigmoid} evaluate {@code log(1 + e^x)} directly: in float32
 * {@code softplus(89)} is already {@code +∞} (and {@code softplus(710)} in float64), which turns a large
 * but harmless pre-activation into {@code ∞ − ∞ = NaN} one layer later. Here
 * {@code softplus(x) = max(x, softplus(min(x, 30)))}: below 30 the second argument is the exact softplus,
 * which always exceeds {@code x}; above, {@code softplus(x) − x = log1p(e^{−x}) < 1e-13}, so {@code x} is
 * exact to double precision. Three element-wise ops, and the gradient is {@code sigmoid(x)} on both sides.
 */
public final class StableOps {
    private static final double SWITCH = 30.0;

    private StableOps() {
    }

    /** {@code log(1 + e^x)}, exact and finite for every finite {@code x}. */
    public static SDVariable softplus(SameDiff sd, SDVariable x) {
        return sd.math.max(x, sd.nn.softplus(sd.math.min(x, sd.constant(org.nd4j.linalg.factory.Nd4j.scalar(x.dataType(), SWITCH)))));
    }

    /** {@code log σ(x) = −softplus(−x)}, finite for every finite {@code x}. */
    public static SDVariable logSigmoid(SameDiff sd, SDVariable x) {
        return softplus(sd, x.neg()).neg();
    }
}
