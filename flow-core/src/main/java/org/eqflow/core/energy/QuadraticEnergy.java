package org.eqflow.core.energy;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The fixed kinetic energy {@code E(x) = |x|²/2}, with {@code ∇E = x}. It has no weights and is
 * invariant under every rotation, so with it only {@code U} needs constraining.
 */
public final class QuadraticEnergy implements Energy {
    private final int dimension;

    /** The fixed energy {@code |x|²/2} on R^dimension. */
    public QuadraticEnergy(int dimension) {
        this.dimension = dimension;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public SDVariable value(SameDiff sd, SDVariable x) {
        return x.mul(x).sum(true, 1).mul(0.5);
    }

    @Override
    public SDVariable gradient(SameDiff sd, SDVariable x) {
        return sd.identity(x);
    }
}
