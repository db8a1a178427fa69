package org.eqflow.core.fused;

import java.util.List;

/**
 * The input gradient of a radial energy ({@code energy.RadialEnergy}, the hard constraint):
 * {@code E(x) = f(r)} with features {@code r_j = |x_Sj|²} for each rotated subset and {@code r_rest = x_rest},
 * {@code f} a softplus MLP ({@link SoftplusGradient} on the features). By the chain rule
 *
 * <pre>
 *   forward:  G_i = 2 x_i ∂f/∂r_j  (i ∈ S_j),   G_i = ∂f/∂r_i  (i free)
 *   backward: ū_j = Σ_{i∈S_j} 2 x_i Ḡ_i,  ū_rest = Ḡ_rest;   r̄ = Hf·ū (the MLP's backward, weights too)
 *             x̄_i += 2 Ḡ_i ∂f/∂r_j + 2 x_i r̄_j  (i ∈ S_j),   x̄_i += r̄_i  (i free)
 * </pre>
 */
final class RadialGradient implements GradientKernel {
    private final GradientKernel inner;
    /** Feature of each coordinate: its subset's index, or {@code subsets + position among the free ones}. */
    private final int[] feature;
    /** Whether the coordinate is in a rotated subset (its feature is a squared norm). */
    private final boolean[] squared;
    private final int features;
    private final Dense r;
    private final Dense rBar;
    private final Dense uBar;
    private final Dense out;
    private Dense x;

    /**
     * @param params   the MLP's {@code W1, b1, W2, b2, w3} ({@code W1} has one row per feature)
     * @param subsets  the rotated coordinate subsets
     * @param dimension {@code d}
     * @param context  the rows' context {@code [batch, k]} of a conditional model (its MLP's first layer is the stacked
     *                 {@code [W1; V1]}), else null
     */
    RadialGradient(Blas blas, List<Param> params, List<int[]> subsets, int dimension, int batch,
                   SoftplusGradient.Scratch scratch, RowContext context) {
        this.feature = new int[dimension];
        this.squared = new boolean[dimension];
        java.util.Arrays.fill(feature, -1);
        for (int j = 0; j < subsets.size(); j++) {
            for (int i : subsets.get(j)) {
                feature[i] = j;
                squared[i] = true;
            }
        }
        int next = subsets.size();
        for (int i = 0; i < dimension; i++) {
            if (feature[i] < 0) {
                feature[i] = next++;
            }
        }
        this.features = next;
        int contextColumns = context == null ? 0 : context.values.cols;
        if (params.get(0).value.rows != features + contextColumns) {
            throw new IllegalArgumentException("the radial energy's first layer has " + params.get(0).value.rows
                    + " inputs, but its subsets give " + features + " features and the context " + contextColumns);
        }
        this.inner = ContextKernel.wrap(SoftplusGradient.create(blas, params, batch, scratch), context, features);
        this.r = new Dense(batch, features);
        this.rBar = new Dense(batch, features);
        this.uBar = new Dense(batch, features);
        this.out = new Dense(batch, dimension);
    }

    @Override
    public Dense forward(Dense input) {
        this.x = input;
        int d = feature.length;
        int m = features;
        double[] xv = input.v;
        double[] rv = r.v;
        java.util.Arrays.fill(rv, 0.0);
        for (int b = 0, o = 0, f = 0; b < input.rows; b++, o += d, f += m) {
            for (int i = 0; i < d; i++) {
                double xi = xv[o + i];
                if (squared[i]) {
                    rv[f + feature[i]] += xi * xi;
                } else {
                    rv[f + feature[i]] = xi;
                }
            }
        }
        double[] df = inner.forward(r).v;
        double[] gv = out.v;
        for (int b = 0, o = 0, f = 0; b < input.rows; b++, o += d, f += m) {
            for (int i = 0; i < d; i++) {
                double g = df[f + feature[i]];
                gv[o + i] = squared[i] ? 2 * xv[o + i] * g : g;
            }
        }
        return out;
    }

    @Override
    public Dense out() {
        return out;
    }

    @Override
    public void backward(Dense upstream, Dense inputAdjoint) {
        int d = feature.length;
        int m = features;
        double[] xv = x.v;
        double[] gb = upstream.v;
        double[] ub = uBar.v;
        java.util.Arrays.fill(ub, 0.0);
        for (int b = 0, o = 0, f = 0; b < x.rows; b++, o += d, f += m) {
            for (int i = 0; i < d; i++) {
                ub[f + feature[i]] += squared[i] ? 2 * xv[o + i] * gb[o + i] : gb[o + i];
            }
        }
        // the MLP's output (∂f/∂r) is still needed below; its backward leaves it unchanged
        double[] df = inner.out().v;
        if (inputAdjoint == null) {
            inner.backward(uBar, null);
            return;
        }
        rBar.zero();
        inner.backward(uBar, rBar);
        double[] rb = rBar.v;
        double[] xb = inputAdjoint.v;
        for (int b = 0, o = 0, f = 0; b < x.rows; b++, o += d, f += m) {
            for (int i = 0; i < d; i++) {
                int j = f + feature[i];
                xb[o + i] += squared[i] ? 2 * gb[o + i] * df[j] + 2 * xv[o + i] * rb[j] : rb[j];
            }
        }
    }
}
