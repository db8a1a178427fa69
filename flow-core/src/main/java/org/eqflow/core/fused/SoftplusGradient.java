package org.eqflow.core.fused;

import java.util.List;

/**
 * The input gradient {@code G = ∇E(x)} of a softplus MLP energy ({@code energy.SoftplusMlp}) at one batch,
 * with the hand-derived backward pass that the Leap-Frog flow and the penalty need: given an upstream
 * adjoint {@code Ḡ}, it accumulates {@code ∂⟨Ḡ, G⟩/∂θ} into the weights' gradients (second order in the
 * energy) and, when asked, {@code ∂⟨Ḡ, G⟩/∂x} (a Hessian-vector product).
 *
 * <pre>
 * forward:  A1 = xW1 + b1,  σ1 = σ(A1),  S1 = softplus(A1),  A2 = S1 W2 + b2,  σ2 = σ(A2),
 *           g2 = σ2 ⊙ w3,   M = g2 W2ᵀ,  g1 = M ⊙ σ1,         G = g1 W1ᵀ
 * backward: ḡ1 = Ḡ W1,   W̄1 += Ḡᵀ g1,   M̄ = ḡ1 ⊙ σ1,   T1 = ḡ1 ⊙ M ⊙ σ1(1−σ1)
 *           ḡ2 = M̄ W2,   W̄2 += M̄ᵀ g2,   w̄3 += Σ_rows ḡ2 ⊙ σ2,   Ā2 = ḡ2 ⊙ w3 ⊙ σ2(1−σ2),   b̄2 += Σ_rows Ā2
 *           S̄1 = Ā2 W2ᵀ, W̄2 += S1ᵀ Ā2,  Ā1 = S̄1 ⊙ σ1 + T1,   b̄1 += Σ_rows Ā1,   W̄1 += xᵀ Ā1,   x̄ += Ā1 W1ᵀ
 * </pre>
 *
 * One instance per place the gradient is evaluated in a step; it keeps the forward activations until its
 * backward pass. Scratch for the backward pass is shared ({@link Scratch}): backward passes run one at a time.
 */
final class SoftplusGradient implements GradientKernel {
    private final Blas blas;
    private final Param w1;
    private final Param b1;
    private final Param w2;
    private final Param b2;
    private final Param w3;
    private final Scratch scratch;
    private Dense x;
    final Dense sig1;
    final Dense s1;
    final Dense sig2;
    final Dense g2;
    final Dense m;
    final Dense g1;
    /** The output {@code G = ∇E(x)}, {@code [B, d]}. */
    final Dense out;

    /**
     * Backward scratch, {@code [B, h]} three times, shared by every node of one batch size: in double, or in
     * float for the float kernels of float32 models ({@link SoftplusGradientF}).
     */
    static final class Scratch {
        final Dense a;
        final Dense b;
        final Dense c;
        final DenseF fa;
        final DenseF fb;
        final DenseF fc;
        /** Column-sum accumulators of the float kernels. */
        final float[] acc;
        /** One row of the float kernels' loops ({@code hidden} floats). */
        final float[] row;

        Scratch(int batch, int hidden, boolean floats) {
            a = floats ? null : new Dense(batch, hidden);
            b = floats ? null : new Dense(batch, hidden);
            c = floats ? null : new Dense(batch, hidden);
            fa = floats ? new DenseF(batch, hidden) : null;
            fb = floats ? new DenseF(batch, hidden) : null;
            fc = floats ? new DenseF(batch, hidden) : null;
            acc = floats ? new float[hidden] : null;
            row = floats ? new float[hidden] : null;
        }

        boolean floats() {
            return fa != null;
        }
    }

    /** The kernel of a softplus MLP with these weights: in float for float32 models, else in double. */
    static GradientKernel create(Blas blas, List<Param> params, int batch, Scratch scratch) {
        return scratch.floats() ? new SoftplusGradientF(blas, params, batch, scratch) : new SoftplusGradient(blas, params, batch, scratch);
    }

    /** @param params {@code W1, b1, W2, b2, w3} */
    SoftplusGradient(Blas blas, List<Param> params, int batch, Scratch scratch) {
        this.blas = blas;
        this.w1 = params.get(0);
        this.b1 = params.get(1);
        this.w2 = params.get(2);
        this.b2 = params.get(3);
        this.w3 = params.get(4);
        this.scratch = scratch;
        int d = w1.value.rows;
        int h = w1.value.cols;
        sig1 = new Dense(batch, h);
        s1 = new Dense(batch, h);
        sig2 = new Dense(batch, h);
        g2 = new Dense(batch, h);
        m = new Dense(batch, h);
        g1 = new Dense(batch, h);
        out = new Dense(batch, d);
    }

    /** Computes {@link #out} {@code = ∇E(x)}; {@code x} must stay unchanged until {@link #backward}. */
    @Override
    public Dense forward(Dense input) {
        this.x = input;
        int h = s1.cols;
        blas.gemm(input, false, w1.value, false, s1, 1, 0);
        s1.addRow(b1.value);
        Transcendentals.sigmoidSoftplus(s1.v, sig1.v, s1.size());
        blas.gemm(s1, false, w2.value, false, sig2, 1, 0);
        sig2.addRow(b2.value);
        Transcendentals.sigmoid(sig2.v, sig2.size());
        double[] s = sig2.v;
        double[] g = g2.v;
        double[] w = w3.value.v;
        for (int o = 0; o < g.length; o += h) {
            for (int c = 0; c < h; c++) {
                g[o + c] = s[o + c] * w[c];
            }
        }
        blas.gemm(g2, false, w2.value, true, m, 1, 0);
        double[] mv = m.v;
        double[] s1v = sig1.v;
        double[] g1v = g1.v;
        for (int i = 0; i < g1v.length; i++) {
            g1v[i] = mv[i] * s1v[i];
        }
        blas.gemm(g1, false, w1.value, true, out, 1, 0);
        return out;
    }

    @Override
    public Dense out() {
        return out;
    }

    /**
     * Accumulates the weight gradients of {@code ⟨upstream, G⟩}, and its input gradient into
     * {@code inputAdjoint} when that is not null.
     */
    @Override
    public void backward(Dense upstream, Dense inputAdjoint) {
        int h = s1.cols;
        Dense gb1 = scratch.a;
        Dense gb2 = scratch.b;
        Dense sbar1 = scratch.c;
        blas.gemm(upstream, false, w1.value, false, gb1, 1, 0);
        blas.gemm(upstream, true, g1, false, w1.grad, 1, 1);
        // M̄ = ḡ1 ⊙ σ1 (into gb1), T1 = ḡ1 ⊙ M ⊙ σ1(1−σ1) (into m, no longer needed)
        double[] gv = gb1.v;
        double[] mv = m.v;
        double[] s1v = sig1.v;
        for (int i = 0; i < gv.length; i++) {
            double sg = s1v[i];
            double gi = gv[i];
            mv[i] = gi * mv[i] * sg * (1.0 - sg);
            gv[i] = gi * sg;
        }
        blas.gemm(gb1, false, w2.value, false, gb2, 1, 0);
        blas.gemm(gb1, true, g2, false, w2.grad, 1, 1);
        double[] g2v = gb2.v;
        double[] s2v = sig2.v;
        double[] w = w3.value.v;
        double[] gw3 = w3.grad.v;
        double[] gb2v = b2.grad.v;
        for (int o = 0; o < g2v.length; o += h) {
            for (int c = 0; c < h; c++) {
                double sg = s2v[o + c];
                double gi = g2v[o + c];
                gw3[c] += gi * sg;
                double a2 = gi * w[c] * sg * (1.0 - sg);
                g2v[o + c] = a2;
                gb2v[c] += a2;
            }
        }
        blas.gemm(gb2, false, w2.value, true, sbar1, 1, 0);
        blas.gemm(s1, true, gb2, false, w2.grad, 1, 1);
        double[] a1 = sbar1.v;
        for (int i = 0; i < a1.length; i++) {
            a1[i] = a1[i] * s1v[i] + mv[i];
        }
        sbar1.addColumnSumsTo(b1.grad);
        blas.gemm(x, true, sbar1, false, w1.grad, 1, 1);
        if (inputAdjoint != null) {
            blas.gemm(sbar1, false, w1.value, true, inputAdjoint, 1, 1);
        }
    }
}
