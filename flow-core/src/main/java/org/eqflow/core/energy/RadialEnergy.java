package org.eqflow.core.energy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An energy that is exactly invariant under rotations of chosen coordinate subsets (the "hard
 * constraint" of docs/maths.md, "Symmetries"): {@code E(x) = f(|x_S1|², …, |x_Sm|², x_rest)} with {@code f} a
 * {@link SoftplusMlp}.
 *
 * <p>The squared norm, not the norm, is the feature: every smooth radial function is a smooth function
 * of {@code |x|²}, and {@code |x|} is not differentiable at the origin. By the chain rule
 * {@code ∇_{x_Sj} E = 2 x_Sj ∂f/∂r_j} and {@code ∇_{x_rest} E = ∂f/∂x_rest}; both are built with
 * constant 0/1 matrices so that the gradient lands back in the original coordinate order.
 */
public final class RadialEnergy implements Energy {
    private final int dimension;
    private final List<int[]> subsets;
    private final int[] rest;
    private final SoftplusMlp mlp;

    /**
     * @param subsets disjoint coordinate subsets, each rotated as a whole; coordinates in none of them
     *                enter the MLP as they are
     */
    public RadialEnergy(ParameterSource params, String prefix, int dimension, List<int[]> subsets, int hidden) {
        this(params, prefix, dimension, subsets, hidden, 0);
    }

    /** A conditional radial energy {@code f(|x_S1|², …, x_rest; c)} when {@code contextSize > 0} (use it through {@link #given}). */
    public RadialEnergy(ParameterSource params, String prefix, int dimension, List<int[]> subsets, int hidden, int contextSize) {
        this.dimension = dimension;
        this.subsets = List.copyOf(subsets);
        BitSet used = new BitSet(dimension);
        for (int[] s : subsets) {
            for (int i : s) {
                if (i < 0 || i >= dimension) {
                    throw new IllegalArgumentException("radial subset index " + i + " is outside 0.." + (dimension - 1));
                }
                if (used.get(i)) {
                    throw new IllegalArgumentException("radial subsets overlap at coordinate " + i);
                }
                used.set(i);
            }
        }
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < dimension; i++) {
            if (!used.get(i)) {
                others.add(i);
            }
        }
        this.rest = others.stream().mapToInt(Integer::intValue).toArray();
        this.mlp = new SoftplusMlp(params, prefix, subsets.size() + rest.length, hidden, contextSize);
    }

    private RadialEnergy(RadialEnergy e, SoftplusMlp mlp) {
        this.dimension = e.dimension;
        this.subsets = e.subsets;
        this.rest = e.rest;
        this.mlp = mlp;
    }

    @Override
    public RadialEnergy given(SameDiff sd, SDVariable context) {
        SoftplusMlp bound = mlp.given(sd, context);
        return bound == mlp ? this : new RadialEnergy(this, bound);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public SDVariable value(SameDiff sd, SDVariable x) {
        return mlp.value(sd, features(sd, x));
    }

    @Override
    public SDVariable gradient(SameDiff sd, SDVariable x) {
        SDVariable df = mlp.gradient(sd, features(sd, x));
        SDVariable grad = null;
        for (int j = 0; j < subsets.size(); j++) {
            SDVariable dfdr = sd.slice(df, new int[] {0, j}, -1, 1);
            SDVariable term = x.mul(mask(sd, subsets.get(j), x)).mul(dfdr).mul(2.0);
            grad = grad == null ? term : grad.add(term);
        }
        if (rest.length > 0) {
            SDVariable dfRest = sd.slice(df, new int[] {0, subsets.size()}, -1, rest.length);
            SDVariable back = dfRest.mmul(scatter(sd, x));
            grad = grad == null ? back : grad.add(back);
        }
        return grad;
    }

    private SDVariable features(SameDiff sd, SDVariable x) {
        List<SDVariable> cols = new ArrayList<>();
        for (int[] s : subsets) {
            SDVariable xs = x.mul(mask(sd, s, x));
            cols.add(xs.mul(xs).sum(true, 1));
        }
        if (rest.length > 0) {
            cols.add(x.mmul(sd.transpose(scatter(sd, x))));
        }
        return cols.size() == 1 ? cols.get(0) : sd.concat(1, cols.toArray(new SDVariable[0]));
    }

    /** A {@code [1, d]} row with ones on the subset. */
    private SDVariable mask(SameDiff sd, int[] subset, SDVariable like) {
        double[] m = new double[dimension];
        for (int i : subset) {
            m[i] = 1.0;
        }
        return sd.constant(Nd4j.create(m, new long[] {1, dimension}).castTo(like.dataType()));
    }

    /** The {@code [rest, d]} matrix that puts the free coordinates back in place. */
    private SDVariable scatter(SameDiff sd, SDVariable like) {
        double[] m = new double[rest.length * dimension];
        for (int r = 0; r < rest.length; r++) {
            m[r * dimension + rest[r]] = 1.0;
        }
        return sd.constant(Nd4j.create(m, new long[] {rest.length, dimension}).castTo(like.dataType()));
    }
}
