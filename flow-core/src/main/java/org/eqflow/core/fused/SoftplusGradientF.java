package org.eqflow.core.fused;

import java.util.List;

/**
 * {@link SoftplusGradient} for float32 models: the same forward and backward pass (see there), with the
 * hidden activations ({@code [B, h]}) in float. Its matrix products' hidden-sized operands cross to SGEMM as
 * plain copies, and its element-wise loops run on floats with float polynomials ({@link Transcendentals}).
 * Inputs, outputs ({@code [B, d]}), weights and gradients stay double; column sums are accumulated in float
 * per pass and added to the double gradients.
 */
final class SoftplusGradientF implements GradientKernel {
    private final Blas blas;
    private final Param w1;
    private final Param b1;
    private final Param w2;
    private final Param b2;
    private final Param w3;
    private final SoftplusGradient.Scratch scratch;
    private final float[] bias1;
    private final float[] bias2;
    private final float[] out3;
    private Dense x;
    private final DenseF sig1;
    private final DenseF s1;
    private final DenseF sig2;
    private final DenseF g2;
    private final DenseF m;
    private final DenseF g1;
    private final Dense out;

    /** @param params {@code W1, b1, W2, b2, w3} */
    SoftplusGradientF(Blas blas, List<Param> params, int batch, SoftplusGradient.Scratch scratch) {
        this.blas = blas;
        this.w1 = params.get(0);
        this.b1 = params.get(1);
        this.w2 = params.get(2);
        this.b2 = params.get(3);
        this.w3 = params.get(4);
        this.scratch = scratch;
        int d = w1.value.rows;
        int h = w1.value.cols;
        bias1 = new float[h];
        bias2 = new float[h];
        out3 = new float[h];
        sig1 = new DenseF(batch, h);
        s1 = new DenseF(batch, h);
        sig2 = new DenseF(batch, h);
        g2 = new DenseF(batch, h);
        m = new DenseF(batch, h);
        g1 = new DenseF(batch, h);
        out = new Dense(batch, d);
    }

    @Override
    public Dense forward(Dense input) {
        this.x = input;
        int h = s1.cols;
        for (int c = 0; c < h; c++) {
            bias1[c] = (float) b1.value.v[c];
            bias2[c] = (float) b2.value.v[c];
            out3[c] = (float) w3.value.v[c];
        }
        blas.gemm(input, false, w1.value, false, s1, 1, 0);
        s1.addRow(bias1);
        Transcendentals.sigmoidSoftplus(s1.v, sig1.v, scratch.fa.v, s1.size());
        blas.gemm(s1, false, w2.value, false, sig2, 1, 0);
        sig2.addRow(bias2);
        Transcendentals.sigmoid(sig2.v, sig2.size());
        float[] s = sig2.v;
        float[] g = g2.v;
        float[] w = out3;
        for (int o = 0; o < g.length; o += h) {
            for (int c = 0; c < h; c++) {
                g[o + c] = s[o + c] * w[c];
            }
        }
        blas.gemm(g2, false, w2.value, true, m, 1, 0);
        float[] mv = m.v;
        float[] s1v = sig1.v;
        float[] g1v = g1.v;
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

    @Override
    public void backward(Dense upstream, Dense inputAdjoint) {
        int h = s1.cols;
        DenseF gb1 = scratch.fa;
        DenseF gb2 = scratch.fb;
        DenseF sbar1 = scratch.fc;
        float[] acc = scratch.acc;
        blas.gemm(upstream, false, w1.value, false, gb1, 1, 0);
        blas.gemm(upstream, true, g1, false, w1.grad, 1, 1);
        // M̄ = ḡ1 ⊙ σ1 (into gb1), T1 = ḡ1 ⊙ M ⊙ σ1(1−σ1) (into m, no longer needed)
        float[] gv = gb1.v;
        float[] mv = m.v;
        float[] s1v = sig1.v;
        for (int i = 0; i < gv.length; i++) {
            float sg = s1v[i];
            float gi = gv[i];
            mv[i] = gi * mv[i] * sg * (1f - sg);
            gv[i] = gi * sg;
        }
        blas.gemm(gb1, false, w2.value, false, gb2, 1, 0);
        blas.gemm(gb1, true, g2, false, w2.grad, 1, 1);
        float[] g2v = gb2.v;
        float[] s2v = sig2.v;
        float[] w = out3;
        float[] gw3 = new float[h];
        for (int o = 0; o < g2v.length; o += h) {
            for (int c = 0; c < h; c++) {
                float sg = s2v[o + c];
                float gi = g2v[o + c];
                gw3[c] += gi * sg;
                g2v[o + c] = gi * w[c] * sg * (1f - sg);
            }
        }
        for (int c = 0; c < h; c++) {
            w3.grad.v[c] += gw3[c];
        }
        gb2.addColumnSumsTo(b2.grad, acc);
        blas.gemm(gb2, false, w2.value, true, sbar1, 1, 0);
        blas.gemm(s1, true, gb2, false, w2.grad, 1, 1);
        float[] a1 = sbar1.v;
        for (int i = 0; i < a1.length; i++) {
            a1[i] = a1[i] * s1v[i] + mv[i];
        }
        sbar1.addColumnSumsTo(b1.grad, acc);
        blas.gemm(x, true, sbar1, false, w1.grad, 1, 1);
        if (inputAdjoint != null) {
            blas.gemm(sbar1, false, w1.value, true, inputAdjoint, 1, 1);
        }
    }
}
