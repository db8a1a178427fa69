package org.eqflow.core.docs;

import org.eqflow.core.energy.Energy;
import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A harmonic well with a learned stiffness per coordinate: U(q) = ½ Σ_i exp(s_i) q_i², so
 * ∇U(q) = exp(s) ⊙ q. Its one parameter row s (named prefix + "LogK") starts at 0.
 */
public final class LearnedWell implements Energy {
    private final int dimension;
    private final SDVariable logStiffness;

    /** eqflow calls this constructor for the spec "class:org.eqflow.core.docs.LearnedWell". */
    public LearnedWell(ParameterSource params, String prefix, int dimension, int hidden) {
        this.dimension = dimension;
        this.logStiffness = params.parameter(prefix + "LogK", new long[] {1, dimension}, ParameterInit.constant(0.0));
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** U(q), shape [B, 1]. */
    @Override
    public SDVariable value(SameDiff sd, SDVariable x) {
        return x.mul(x).mul(sd.math.exp(logStiffness)).sum(true, 1).mul(0.5);
    }

    /** ∇U(q) = exp(s) ⊙ q, shape [B, d], written as forward ops (the flow differentiates it again). */
    @Override
    public SDVariable gradient(SameDiff sd, SDVariable x) {
        return x.mul(sd.math.exp(logStiffness));
    }
}
