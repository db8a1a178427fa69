package org.eqflow.core.fused;

import java.util.List;

/**
 * {@link SoftplusGradient} for float32 models: the same gradient and backward pass (see there), with the
 * hidden activations ({@code [B, h]}) in float, and in another order where that saves work or lets a loop
 * vectorise (docs/maths.md, "The fused training path": no {@code g2}, narrow inputs' products as row loops). Its matrix products' hidden-sized operands cross to SGEMM as
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
    /** The rows of {@code W1} as floats, refreshed by each forward pass (narrow inputs only, else null). */
    private final float[][] w1Rows;
    /** One output row ({@code h} floats): the narrow products' same-index loop writes it, then it is copied. */
    private final float[] row;
    /** The second input's column of W1's gradient while {@link #narrowWeightGradient} accumulates it. */
    private final float[] w1Sum;
    /** {@code h} zeros: the bias of a product without one. */
    private final float[] zeros;
    /** {@code b1} repeated on every row (wide inputs only, else null). */
    private final DenseF bias1Rows;
    private Dense x;
    private final DenseF sig1;
    private final DenseF s1;
    private final DenseF sig2;
    /** {@code W2·diag(w3)} as floats ({@code [h, h]}): {@code g2·W2ᵀ = σ2·(W2·diag(w3))ᵀ} without forming {@code g2}. */
    private final DenseF w2w3;
    /** The {@link Blas#epoch} at which {@link #derive} last ran ({@code −1}: never). */
    private long derivedAt = -1;
    /** {@code M̄ᵀ·σ2} ({@code [h, h]}), scaled by {@code w3} into W2's gradient. */
    private final DenseF w2Bar;
    /** {@code b2} repeated on every row ({@code [B, h]}): a same-index loop adds it (a row-by-row loop does not vectorise). */
    private final DenseF bias2Rows;
    private final DenseF m;
    private final DenseF g1;
    private final Dense out;

    /**
     * Input widths up to which the products with {@code W1} that have the input width as inner dimension
     * ({@code x·W1} forward, {@code ḡ·W1} backward) run as one same-index loop per row here instead of SGEMM: with
     * one or two terms per output the SGEMM call and its staging copies cost about three times the loop
     * (docs/benchmarks.md); from three terms on, the loop over them no longer vectorises and SGEMM wins.
     */
    static final int NARROW_INPUT = 2;

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
        w1Rows = d <= NARROW_INPUT ? new float[d][h] : null;
        row = new float[h];
        w1Sum = new float[h];
        zeros = new float[h];
        bias1Rows = d <= NARROW_INPUT ? null : new DenseF(batch, h);
        sig1 = new DenseF(batch, h);
        s1 = new DenseF(batch, h);
        sig2 = new DenseF(batch, h);
        w2w3 = new DenseF(h, h);
        blas.holdDerived(w2w3);
        w2Bar = new DenseF(h, h);
        bias2Rows = new DenseF(batch, h);
        m = new DenseF(batch, h);
        g1 = new DenseF(batch, h);
        out = new Dense(batch, d);
    }

    @Override
    public Dense forward(Dense input) {
        this.x = input;
        int h = s1.cols;
        if (derivedAt != blas.epoch()) {
            derive();
        }
        if (w1Rows != null) {
            narrowProduct(input, w1Rows, bias1, s1, row);
        } else {
            blas.gemm(input, false, w1.value, false, s1, 1, 0);
            s1.addRow(bias1, bias1Rows);
        }
        Transcendentals.sigmoidSoftplus(s1.v, sig1.v, scratch.fa.v, s1.size());
        blas.gemm(s1, false, w2.value, false, sig2, 1, 0);
        sig2.addRow(bias2, bias2Rows);
        Transcendentals.sigmoid(sig2.v, sig2.size());
        blas.gemm(sig2, false, w2w3, true, m, 1, 0);
        float[] mv = m.v;
        float[] s1v = sig1.v;
        float[] g1v = g1.v;
        for (int i = 0; i < g1v.length; i++) {
            g1v[i] = mv[i] * s1v[i];
        }
        blas.gemm(g1, false, w1.value, true, out, 1, 0);
        return out;
    }

    /**
     * The values this kernel derives from the weights, in float: the biases, {@code w3}, {@code W1}'s rows (narrow
     * inputs) and {@code W2·diag(w3)} (held by {@link Blas}): once per load of the weights, not once per call.
     */
    private void derive() {
        int h = s1.cols;
        for (int c = 0; c < h; c++) {
            bias1[c] = (float) b1.value.v[c];
            bias2[c] = (float) b2.value.v[c];
            out3[c] = (float) w3.value.v[c];
        }
        if (w1Rows != null) {
            double[] w = w1.value.v;
            for (int j = 0; j < w1Rows.length; j++) {
                for (int c = 0; c < h; c++) {
                    w1Rows[j][c] = (float) w[j * h + c];
                }
            }
        }
        double[] w2v = w2.value.v;
        float[] scaled = w2w3.v;
        for (int o = 0; o < scaled.length; o += h) {
            for (int c = 0; c < h; c++) {
                scaled[o + c] = (float) (w2v[o + c] * w3.value.v[c]);
            }
        }
        blas.refresh(w2w3);
        derivedAt = blas.epoch();
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
        if (w1Rows != null) {
            narrowProduct(upstream, w1Rows, zeros, gb1, row);   // W̄1's share Ḡᵀg1 comes with xᵀĀ1 at the end
        } else {
            blas.gemm(upstream, false, w1.value, false, gb1, 1, 0);
            blas.gemm(upstream, true, g1, false, w1.grad, 1, 1);
        }
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
        // W̄2 += M̄ᵀ·g2 = (M̄ᵀ·σ2)·diag(w3)
        blas.gemm(gb1, true, sig2, false, w2Bar, 1, 0);
        float[] wb = w2Bar.v;
        double[] w2g = w2.grad.v;
        for (int o = 0; o < wb.length; o += h) {
            for (int c = 0; c < h; c++) {
                w2g[o + c] += wb[o + c] * out3[c];
            }
        }
        // w̄3 += Σ_rows ḡ2 ⊙ σ2; ḡ2 ← ḡ2 ⊙ w3 ⊙ σ2(1 − σ2), row by row through same-index copies
        float[] g2v = gb2.v;
        float[] s2v = sig2.v;
        float[] w = out3;
        float[] gw3 = acc;
        float[] gRow = scratch.row;
        float[] sRow = row;
        java.util.Arrays.fill(gw3, 0f);
        for (int o = 0; o < g2v.length; o += h) {
            System.arraycopy(g2v, o, gRow, 0, h);
            System.arraycopy(s2v, o, sRow, 0, h);
            for (int c = 0; c < h; c++) {
                float sg = sRow[c];
                float gi = gRow[c];
                gw3[c] += gi * sg;
                gRow[c] = gi * w[c] * sg * (1f - sg);
            }
            System.arraycopy(gRow, 0, g2v, o, h);
        }
        for (int c = 0; c < h; c++) {
            w3.grad.v[c] += gw3[c];
        }
        gb2.addColumnSumsTo(b2.grad, acc, scratch.row);
        blas.gemm(gb2, false, w2.value, true, sbar1, 1, 0);
        blas.gemm(s1, true, gb2, false, w2.grad, 1, 1);
        float[] a1 = sbar1.v;
        for (int i = 0; i < a1.length; i++) {
            a1[i] = a1[i] * s1v[i] + mv[i];
        }
        sbar1.addColumnSumsTo(b1.grad, acc, scratch.row);
        if (w1Rows != null) {
            narrowWeightGradient(upstream, g1, x, sbar1, w1.grad);
        } else {
            blas.gemm(x, true, sbar1, false, w1.grad, 1, 1);
        }
        if (inputAdjoint != null) {
            blas.gemm(sbar1, false, w1.value, true, inputAdjoint, 1, 1);
        }
    }

    /**
     * {@code out ← x·W + bias} for a narrow {@code x} ({@code [B, k]}, k ≤ {@link #NARROW_INPUT}),
     * {@code W} given by its rows as floats: per row one loop whose arrays share its index (JDK 17's C2 vectorises
     * that loop, not one that mixes a row offset with a column index), into {@code row}, then copied.
     */
    private static void narrowProduct(Dense x, float[][] w, float[] bias, DenseF out, float[] row) {
        int k = x.cols;
        int h = out.cols;
        double[] xv = x.v;
        float[] o = out.v;
        float[] w0 = w[0];
        float[] w1 = k > 1 ? w[1] : w[0];
        for (int r = 0, ro = 0, xo = 0; r < out.rows; r++, ro += h, xo += k) {
            float x0 = (float) xv[xo];
            float x1 = k > 1 ? (float) xv[xo + 1] : 0f;
            for (int c = 0; c < h; c++) {
                row[c] = bias[c] + x0 * w0[c] + x1 * w1[c];
            }
            System.arraycopy(row, 0, o, ro, h);
        }
    }

    /**
     * {@code W̄1 += upᵀ·G + xᵀ·S} for narrow {@code up}, {@code x} ({@code [B, k]}, k ≤ {@link #NARROW_INPUT}) and
     * {@code G}, {@code S} ({@code [B, h]}): one pass over the rows, each copied into a row buffer so that the loop's
     * arrays share one index; accumulated in float per call, as SGEMM does, then added to the double gradient.
     */
    private void narrowWeightGradient(Dense up, DenseF g, Dense x, DenseF sBar, Dense grad) {
        int k = x.cols;
        int h = g.cols;
        float[] a0 = scratch.acc;
        float[] a1 = w1Sum;
        float[] gRow = scratch.row;
        float[] sRow = row;
        java.util.Arrays.fill(a0, 0f);
        java.util.Arrays.fill(a1, 0f);
        double[] uv = up.v;
        double[] xv = x.v;
        for (int r = 0, o = 0, io = 0; r < g.rows; r++, o += h, io += k) {
            System.arraycopy(g.v, o, gRow, 0, h);
            System.arraycopy(sBar.v, o, sRow, 0, h);
            float u0 = (float) uv[io];
            float x0 = (float) xv[io];
            float u1 = k > 1 ? (float) uv[io + 1] : 0f;
            float x1 = k > 1 ? (float) xv[io + 1] : 0f;
            for (int c = 0; c < h; c++) {
                a0[c] += u0 * gRow[c] + x0 * sRow[c];
                a1[c] += u1 * gRow[c] + x1 * sRow[c];
            }
        }
        for (int c = 0; c < h; c++) {
            grad.v[c] += a0[c];
        }
        if (k > 1) {
            for (int c = 0; c < h; c++) {
                grad.v[h + c] += a1[c];
            }
        }
    }
}
