package org.eqflow.core.energy;

import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.graph.StableOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A softplus MLP energy {@code [d, h, h, 1]} with its analytic input gradient (docs/maths.md, "Leap-Frog and the flow" and "Densities"):
 *
 * <pre>
 *   A1 = x W1 + b1,   A2 = softplus(A1) W2 + b2,   E = softplus(A2) w3
 *   ∇x E = ((sigmoid(A2) ⊙ 1·w3ᵀ) W2ᵀ ⊙ sigmoid(A1)) W1ᵀ        (softplus' = sigmoid)
 * </pre>
 *
 * The output bias of docs/maths.md's formula is left out: an additive constant changes neither {@code ∇E}
 * nor anything the flow computes, so it would be a parameter without a gradient.
 *
 * <p>Softplus, never relu: the flow differentiates the energy twice (once for the Leap-Frog update,
 * once more for training), and relu has no useful second derivative.
 */
public final class SoftplusMlp implements Energy {
    /**
     * Scale of the output layer at initialisation: the energy starts curved (hidden pre-activations of
     * order one) but weak, so the first flow is close to the identity instead of flinging states away.
     */
    static final double OUTPUT_GAIN = 0.1;

    private final int dimension;
    private final SDVariable w1;
    private final SDVariable b1;
    private final SDVariable w2;
    private final SDVariable b2;
    private final SDVariable w3;
    /** The context's first-layer weights {@code V1 [k, h]} of a conditional energy, else null. */
    private final SDVariable v1;
    /** {@code c V1} of the bound context ({@link #given}), else null. */
    private final SDVariable rowBias;

    /**
     * @param prefix    parameter name prefix (alphanumeric), e.g. {@code "kin"}
     * @param dimension input dimension {@code d}
     * @param hidden    hidden width {@code h}
     */
    public SoftplusMlp(ParameterSource params, String prefix, int dimension, int hidden) {
        this(params, prefix, dimension, hidden, 0);
    }

    /**
     * A conditional energy {@code E(x; c)} when {@code contextSize > 0}: the context enters the first layer,
     * {@code A1 = x W1 + c V1 + b1} ({@code V1} named {@code prefix + "V1"}); use it through {@link #given}.
     */
    public SoftplusMlp(ParameterSource params, String prefix, int dimension, int hidden, int contextSize) {
        this.dimension = dimension;
        this.w1 = params.parameter(prefix + "W1", new long[] {dimension, hidden}, ParameterInit.lecun());
        this.b1 = params.parameter(prefix + "b1", new long[] {1, hidden}, ParameterInit.bias(dimension));
        this.w2 = params.parameter(prefix + "W2", new long[] {hidden, hidden}, ParameterInit.lecun());
        this.b2 = params.parameter(prefix + "b2", new long[] {1, hidden}, ParameterInit.bias(hidden));
        this.w3 = params.parameter(prefix + "w3", new long[] {1, hidden}, ParameterInit.lecun(OUTPUT_GAIN));
        this.v1 = contextSize > 0 ? params.parameter(prefix + "V1", new long[] {contextSize, hidden}, ParameterInit.lecun()) : null;
        this.rowBias = null;
    }

    private SoftplusMlp(SoftplusMlp m, SDVariable rowBias) {
        this.dimension = m.dimension;
        this.w1 = m.w1;
        this.b1 = m.b1;
        this.w2 = m.w2;
        this.b2 = m.b2;
        this.w3 = m.w3;
        this.v1 = m.v1;
        this.rowBias = rowBias;
    }

    @Override
    public SoftplusMlp given(SameDiff sd, SDVariable context) {
        return v1 == null ? this : new SoftplusMlp(this, context.mmul(v1));
    }

    private SDVariable firstLayer(SDVariable x) {
        if (v1 != null && rowBias == null) {
            throw new IllegalStateException("a conditional energy needs its context: use given(sd, context)");
        }
        SDVariable a1 = x.mmul(w1).add(b1);
        return rowBias == null ? a1 : a1.add(rowBias);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public SDVariable value(SameDiff sd, SDVariable x) {
        SDVariable a1 = firstLayer(x);
        SDVariable a2 = StableOps.softplus(sd, a1).mmul(w2).add(b2);
        return sd.mmul(StableOps.softplus(sd, a2), w3, false, true, false);
    }

    @Override
    public SDVariable gradient(SameDiff sd, SDVariable x) {
        SDVariable a1 = firstLayer(x);
        SDVariable a2 = StableOps.softplus(sd, a1).mmul(w2).add(b2);
        SDVariable g2 = sd.nn.sigmoid(a2).mul(w3);
        SDVariable g1 = sd.mmul(g2, w2, false, true, false).mul(sd.nn.sigmoid(a1));
        return sd.mmul(g1, w1, false, true, false);
    }
}
