package org.eqflow.core.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Noise;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.symmetry.GroupElement;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * IWAE estimates of {@code log p(R q)} for group elements {@code R}, with the proposal transported from
 * the unrotated point (docs/maths.md, "Densities"): momenta {@code p_m ~ h(p|q)} are drawn once, and for {@code R q}
 * the estimate uses {@code R^{−T} p_m} with the weights {@code log h(p_m|q)}. This is a valid importance
 * sampler whenever {@code |det R| = 1}, and for an exactly invariant model it returns the same number for
 * every {@code R} up to round-off: the spread measures the model, not the (non-equivariant) encoder.
 *
 * <p>Rotations act about the symmetry centre, i.e. on the model's scaled coordinates.
 */
public final class TransportedIwae {
    private TransportedIwae() {
    }

    /**
     * {@code result[e][i]}: the estimate of {@code log p(R_e x_i)} (data units), with {@code m} momenta per point.
     * Element 0 should be the identity if the unrotated estimate is wanted.
     */
    public static double[][] logDensities(EquivariantHamiltonianFlow model, INDArray x, List<GroupElement> elements,
                                          int m, long seed) {
        INDArray q = model.toModelSpace(x);
        int n = (int) q.rows();
        int d = model.config().dimension();
        DataType dt = model.dataType();
        INDArray qRep = Nd4j.tile(q, m, 1);
        INDArray noise = Noise.gaussian(Noise.stream(seed, 0, Noise.Purpose.EVALUATION), (long) n * m, d, dt);
        INDArray p = model.encode(qRep, noise);
        double[] logH = model.encoderLogDensity(qRep, p).toDoubleVector();
        double shift = model.config().logScaleJacobian();
        double[][] out = new double[elements.size()][n];
        for (int e = 0; e < elements.size(); e++) {
            GroupElement g = elements.get(e);
            INDArray rq = onPositions(qRep, Nd4j.create(g.onQ()).castTo(dt).transpose(), d);
            INDArray rp = p.mmul(Nd4j.create(g.onP()).castTo(dt).transpose());
            double[] logJoint = model.logJoint(rq, rp).toDoubleVector();
            double[] w = new double[m];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < m; k++) {
                    w[k] = logJoint[k * n + i] - logH[k * n + i];
                }
                out[e][i] = Iwae.estimate(w).logDensity() - shift;
            }
        }
        return out;
    }

    /** {@code rows · Rᵀ} on the first {@code d} columns; a conditional model's context columns after them stay. */
    private static INDArray onPositions(INDArray rows, INDArray rt, int d) {
        if (rows.columns() == d) {
            return rows.mmul(rt);
        }
        org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        return Nd4j.hstack(rows.get(all, org.nd4j.linalg.indexing.NDArrayIndex.interval(0, d)).mmul(rt),
                rows.get(all, org.nd4j.linalg.indexing.NDArrayIndex.interval(d, rows.columns())));
    }

    /** The identity followed by {@code count} random elements of the symmetry's group (linear generators only). */
    public static List<GroupElement> randomElements(Symmetry symmetry, int count, long seed) {
        int d = symmetry.dimension();
        double[][] id = new double[d][d];
        for (int i = 0; i < d; i++) {
            id[i][i] = 1;
        }
        List<GroupElement> list = new ArrayList<>();
        list.add(new GroupElement(id, id));
        SplittableRandom rng = Noise.stream(seed, 0, Noise.Purpose.ROTATION);
        for (int i = 0; i < count; i++) {
            list.add(GroupElement.random(symmetry, Math.PI, rng));
        }
        return list;
    }

    /**
     * The invariance error: the mean over points of the spread (max − min) of the estimated
     * {@code log p(R x)} over the identity and {@code rotations} random group elements.
     */
    public static double invarianceError(EquivariantHamiltonianFlow model, Symmetry symmetry, INDArray x,
                                         int rotations, int m, long seed) {
        return spread(logDensities(model, x, randomElements(symmetry, rotations, seed), m, seed));
    }

    /**
     * The invariance error under given orthogonal elements {@code R} (for example a finite group's, or an even
     * spread of SO(2)): momenta transport as {@code R^{−T} p = R p}.
     */
    public static double invarianceError(EquivariantHamiltonianFlow model, List<double[][]> orthogonal, INDArray x, int m,
                                         long seed) {
        List<GroupElement> elements = new ArrayList<>();
        for (double[][] r : orthogonal) {
            elements.add(new GroupElement(r, r));
        }
        return spread(logDensities(model, x, elements, m, seed));
    }

    /** The mean over points (columns) of the spread (max − min) over elements (rows). */
    static double spread(double[][] lp) {
        double total = 0;
        for (int i = 0; i < lp[0].length; i++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] row : lp) {
                lo = Math.min(lo, row[i]);
                hi = Math.max(hi, row[i]);
            }
            total += hi - lo;
        }
        return total / lp[0].length;
    }
}
