package org.eqflow.core.symmetry;

import java.util.Optional;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear (Lie-algebra) generator {@code g_A(q, p) = pᵀ A q}, the cotangent lift of the linear
 * vector field {@code q ↦ A q}: {@code ∂g/∂q = Aᵀ p}, {@code ∂g/∂p = A q}. On a batch of row vectors
 * these are {@code p A} and {@code q Aᵀ}.
 *
 * <p>Example: {@code A = [[0, −1], [1, 0]]} gives the paper's so(2) generator {@code q1 p2 − q2 p1}.
 */
public final class LinearGenerator implements Generator {
    private final String name;
    private final double[][] a;

    /** The generator {@code G(q, p) = pᵀ A q} of the antisymmetric matrix {@code a}, called {@code name}. */
    public LinearGenerator(String name, double[][] a) {
        int d = a.length;
        if (d == 0) {
            throw new IllegalArgumentException("generator '" + name + "': the matrix is empty");
        }
        for (double[] row : a) {
            if (row.length != d) {
                throw new IllegalArgumentException("generator '" + name + "': the matrix must be square, got a row of length "
                        + row.length + " in a " + d + "-row matrix");
            }
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("generator '" + name + "': the matrix has a non-finite entry");
                }
            }
        }
        this.name = name;
        this.a = deepCopy(a);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int dimension() {
        return a.length;
    }

    @Override
    public Optional<double[][]> matrix() {
        return Optional.of(deepCopy(a));
    }

    @Override
    public SDVariable value(SameDiff sd, PhaseState s) {
        return s.p().mul(s.q().mmul(transposed(sd, s))).sum(1);
    }

    @Override
    public SDVariable gradQ(SameDiff sd, PhaseState s) {
        return s.p().mmul(matrixConstant(sd, s));
    }

    @Override
    public SDVariable gradP(SameDiff sd, PhaseState s) {
        return s.q().mmul(transposed(sd, s));
    }

    private SDVariable matrixConstant(SameDiff sd, PhaseState s) {
        return sd.constant(Nd4j.create(a).castTo(s.q().dataType()));
    }

    private SDVariable transposed(SameDiff sd, PhaseState s) {
        return sd.constant(Nd4j.create(a).transpose().dup().castTo(s.q().dataType()));
    }

    static double[][] deepCopy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }
}
