package org.eqflow.core.docs;

import java.util.Optional;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.symmetry.Generator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rotates every particle of a planar system together: with coordinates
 * (x1, y1, x2, y2, ...), g = Σ_k (p_xk y_k − p_yk x_k), i.e. g = pᵀAq with A block-diagonal of
 * [[0, 1], [−1, 0]]. One generator for the whole system, not one per particle.
 */
public final class RigidRotation implements Generator {
    private final int dimension;
    private final double[][] a;

    /** eqflow calls this constructor for the spec "class:org.eqflow.core.docs.RigidRotation". */
    public RigidRotation(int dimension) {
        if (dimension % 2 != 0) {
            throw new IllegalArgumentException("planar particles need an even dimension, got " + dimension);
        }
        this.dimension = dimension;
        this.a = new double[dimension][dimension];
        for (int k = 0; k < dimension; k += 2) {
            a[k][k + 1] = 1;
            a[k + 1][k] = -1;
        }
    }

    @Override
    public String name() {
        return "rigid-rotation";
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** g(q, p) = pᵀ A q, one value per row. */
    @Override
    public SDVariable value(SameDiff sd, PhaseState s) {
        return s.p().mul(s.q().mmul(constant(sd, s, true))).sum(1);
    }

    /** ∂g/∂q = Aᵀ p, i.e. p A for row vectors. */
    @Override
    public SDVariable gradQ(SameDiff sd, PhaseState s) {
        return s.p().mmul(constant(sd, s, false));
    }

    /** ∂g/∂p = A q, i.e. q Aᵀ for row vectors. */
    @Override
    public SDVariable gradP(SameDiff sd, PhaseState s) {
        return s.q().mmul(constant(sd, s, true));
    }

    /** A itself: with it the fast engine trains this generator (it is checked against the ops above). */
    @Override
    public Optional<double[][]> matrix() {
        double[][] copy = new double[dimension][];
        for (int i = 0; i < dimension; i++) {
            copy[i] = a[i].clone();
        }
        return Optional.of(copy);
    }

    private SDVariable constant(SameDiff sd, PhaseState s, boolean transposed) {
        var m = Nd4j.create(a);
        return sd.constant((transposed ? m.transpose().dup() : m).castTo(s.q().dataType()));
    }
}
