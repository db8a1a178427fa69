package org.eqflow.core.manifold;

import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The manifold flows' potential network as graph ops, {@code Φ = w3 · tanh(tanh(f W1 + b1) W2 + b2)}, with its first
 * and second directional derivatives along m directions per sample carried forward through both layers (one layer:
 * {@code ȧ = tanh'(z) ż}, {@code ä = tanh''(z) ż² + tanh'(z) z̈}) — written out as forward ops because SameDiff
 * cannot differentiate its own gradients; its autodiff then gives the weight gradients. {@link DirectionalMlp} is
 * the same arithmetic in the fused engines. The output layer starts small, so an untrained flow is close to the
 * identity and its density close to the base's.
 */
final class DirectionalNetwork {
    private final int hidden;
    private final SDVariable w1;
    private final SDVariable b1;
    private final SDVariable w2;
    private final SDVariable b2;
    private final SDVariable w3;

    /**
     * The potential {@code [B, 1]} and its first and second directional derivatives {@code [B, m]} (column j: along
     * direction j).
     */
    record Derivatives(SDVariable potential, SDVariable first, SDVariable second) {
    }

    DirectionalNetwork(ParameterSource params, int features, int hidden) {
        this.hidden = hidden;
        this.w1 = params.parameter("phiW1", new long[] {features, hidden}, ParameterInit.lecun());
        this.b1 = params.parameter("phiB1", new long[] {1, hidden}, ParameterInit.bias(features));
        this.w2 = params.parameter("phiW2", new long[] {hidden, hidden}, ParameterInit.lecun());
        this.b2 = params.parameter("phiB2", new long[] {1, hidden}, ParameterInit.bias(hidden));
        this.w3 = params.parameter("phiW3", new long[] {hidden, 1}, ParameterInit.lecun(0.1));
    }

    /**
     * The network at features {@code f [B, F]} with the directions' derivatives of the features {@code ḟ, f̈ [B·m, F]}
     * (rows {@code (b, j)}; {@code f̈} null when the features are linear in the coordinates).
     */
    Derivatives apply(SameDiff sd, SDVariable f, SDVariable fDot, SDVariable fDdot, int m) {
        SDVariable a1 = sd.math.tanh(f.mmul(w1).add(b1));
        SDVariable d1 = a1.mul(a1).rsub(1.0);           // tanh'
        SDVariable dd1 = a1.mul(d1).mul(-2.0);          // tanh''
        SDVariable z1Dot = fDot.mmul(w1);
        SDVariable a1Dot = repeat(sd, d1, m).mul(z1Dot);
        SDVariable a1Ddot = repeat(sd, dd1, m).mul(z1Dot.mul(z1Dot));
        if (fDdot != null) {
            a1Ddot = a1Ddot.add(repeat(sd, d1, m).mul(fDdot.mmul(w1)));
        }
        SDVariable a2 = sd.math.tanh(a1.mmul(w2).add(b2));
        SDVariable d2 = a2.mul(a2).rsub(1.0);
        SDVariable dd2 = a2.mul(d2).mul(-2.0);
        SDVariable z2Dot = a1Dot.mmul(w2);
        SDVariable z2Ddot = a1Ddot.mmul(w2);
        SDVariable a2Dot = repeat(sd, d2, m).mul(z2Dot);
        SDVariable a2Ddot = repeat(sd, dd2, m).mul(z2Dot.mul(z2Dot)).add(repeat(sd, d2, m).mul(z2Ddot));
        return new Derivatives(a2.mmul(w3), sd.reshape(a2Dot.mmul(w3), -1, m), sd.reshape(a2Ddot.mmul(w3), -1, m));
    }

    /** {@code [B, h]} → {@code [B·m, h]}, each row repeated for the m directions. */
    private SDVariable repeat(SameDiff sd, SDVariable x, int m) {
        return sd.reshape(sd.tile(sd.reshape(x, -1, 1, hidden), 1, m, 1), -1, hidden);
    }
}
