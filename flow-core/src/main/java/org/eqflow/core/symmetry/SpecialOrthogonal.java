package org.eqflow.core.symmetry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The rotations so(k) of a chosen set of {@code k} coordinates {@code S} (all of them by default), with
 * the basis {@code g_ij = p_i q_j − p_j q_i}, {@code i < j} in {@code S}, i.e. {@code A = E_ij − E_ji}.
 *
 * <p>All {@code k(k−1)/2} brackets are computed at once (docs/maths.md, "Symmetries"): with
 * {@code P_ij = p_i ∂F/∂p_j + q_i ∂F/∂q_j} (batched outer products over {@code S}),
 * {@code {g_ij, F} = P_ij − P_ji}: {@code O(B k²)} work instead of {@code O(B k³)}.
 * The paper's so(2) generator {@code q1 p2 − q2 p1} is {@code −g_12}: same square, opposite sign.
 */
public final class SpecialOrthogonal implements Symmetry {
    /** The most values all generator matrices together may hold (128 MB in double precision). */
    public static final long MAX_GENERATOR_VALUES = 1L << 24;

    private final int dimension;
    private final int[] subset;
    private final List<Generator> generators;

    /** so(d) acting on all coordinates. */
    public SpecialOrthogonal(int dimension) {
        this(dimension, range(dimension));
    }

    /**
     * Checks a subset for so(k) on data of dimension {@code dimension} without building anything: at least two
     * distinct coordinates in range, and at most {@link #MAX_GENERATOR_VALUES} values in the generators' matrices.
     */
    static void check(int dimension, int[] subset) {
        if (subset.length < 2) {
            throw new IllegalArgumentException("so(k) needs k >= 2 coordinates, got " + Arrays.toString(subset));
        }
        boolean[] seen = new boolean[dimension];
        for (int i : subset) {
            if (i < 0 || i >= dimension) {
                throw new IllegalArgumentException("so(" + subset.length + ") acts on coordinate " + i
                        + ", which is outside 0.." + (dimension - 1) + " for data of dimension " + dimension);
            }
            if (seen[i]) {
                throw new IllegalArgumentException("so(" + subset.length + ") lists coordinate " + i + " twice");
            }
            seen[i] = true;
        }
        int k = subset.length;
        long values = (long) k * (k - 1) / 2 * dimension * dimension;
        if (values > MAX_GENERATOR_VALUES) {
            throw new IllegalArgumentException("so(" + k + ") on data of dimension " + dimension + " has " + (long) k * (k - 1) / 2
                    + " generators stored as dense " + dimension + "x" + dimension + " matrices (" + values
                    + " values, more than " + MAX_GENERATOR_VALUES + "); rotate a smaller subset, e.g. so3:0,1,2");
        }
    }

    /** so(k) acting on the listed coordinates (0-based, distinct, at least two). */
    public SpecialOrthogonal(int dimension, int[] subset) {
        check(dimension, subset);
        int k = subset.length;
        this.dimension = dimension;
        this.subset = subset.clone();
        List<Generator> gens = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                double[][] m = new double[dimension][dimension];
                m[subset[a]][subset[b]] = 1;
                m[subset[b]][subset[a]] = -1;
                gens.add(new LinearGenerator("so" + k + "(" + subset[a] + "," + subset[b] + ")", m));
            }
        }
        this.generators = List.copyOf(gens);
    }

    /** The coordinates so(k) rotates (a copy). */
    public int[] subset() {
        return subset.clone();
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public List<Generator> generators() {
        return generators;
    }

    @Override
    public List<int[]> invariantSubsets() {
        return List.of(subset.clone());
    }

    @Override
    public SDVariable brackets(SameDiff sd, PhaseState s, PhaseState gradF) {
        int k = subset.length;
        SDVariable p = restrict(sd, s.p());
        SDVariable q = restrict(sd, s.q());
        SDVariable a = restrict(sd, gradF.p());
        SDVariable b = restrict(sd, gradF.q());
        SDVariable outer = sd.expandDims(p, 2).mul(sd.expandDims(a, 1))
                .add(sd.expandDims(q, 2).mul(sd.expandDims(b, 1)));
        SDVariable antisym = outer.sub(sd.permute(outer, 0, 2, 1));
        // Row i of the strict upper triangle, one slice each: gather's gradient is broken in ND4J 1.0.0-M2.1.
        SDVariable[] rows = new SDVariable[k - 1];
        for (int i = 0; i < k - 1; i++) {
            rows[i] = sd.squeeze(sd.slice(antisym, new int[] {0, i, i + 1}, -1, 1, k - i - 1), 1);
        }
        return rows.length == 1 ? rows[0] : sd.concat(1, rows);
    }

    /** The columns of {@code x} in the subset, as a product with a constant 0/1 matrix (differentiable). */
    private SDVariable restrict(SameDiff sd, SDVariable x) {
        if (isIdentity()) {
            return x;
        }
        double[] m = new double[dimension * subset.length];
        for (int c = 0; c < subset.length; c++) {
            m[subset[c] * subset.length + c] = 1.0;
        }
        return x.mmul(sd.constant(Nd4j.create(m, new long[] {dimension, subset.length}).castTo(x.dataType())));
    }

    private boolean isIdentity() {
        if (subset.length != dimension) {
            return false;
        }
        for (int i = 0; i < subset.length; i++) {
            if (subset[i] != i) {
                return false;
            }
        }
        return true;
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
