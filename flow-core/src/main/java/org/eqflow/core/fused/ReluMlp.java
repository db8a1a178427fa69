package org.eqflow.core.fused;

import java.util.List;

/**
 * The encoder's relu MLP {@code [d, h, h, d]} ({@code encoder.GaussianEncoder}) at one batch, forward and
 * backward: {@code H1 = relu(xW1 + b1)}, {@code H2 = relu(H1 W2 + b2)}, {@code Y = H2 W3 + b3}. The input
 * is data, so the backward pass computes weight gradients only.
 */
final class ReluMlp {
    private final Blas blas;
    private final Param w1;
    private final Param b1;
    private final Param w2;
    private final Param b2;
    private final Param w3;
    private final Param b3;
    private final Matrix h1;
    private final Matrix h2;
    private final Matrix scratch;
    /** Column-sum accumulator and one row of float hidden layers (null in double). */
    private final float[] acc;
    private final float[] row;
    /** {@code b1}, {@code b2} repeated on every row (float hidden layers; null in double). */
    private final DenseF bias1Rows;
    private final DenseF bias2Rows;
    private final float[] biasRow;
    private Dense x;
    /** The output {@code Y}, {@code [B, d]}. */
    final Dense out;

    /**
     * @param params  {@code W1, b1, W2, b2, W3, b3}
     * @param scratch {@code [B, h]}, shared; a {@link DenseF} makes the hidden layers float (float32 models)
     */
    ReluMlp(Blas blas, List<Param> params, int batch, Matrix scratch) {
        this.blas = blas;
        this.w1 = params.get(0);
        this.b1 = params.get(1);
        this.w2 = params.get(2);
        this.b2 = params.get(3);
        this.w3 = params.get(4);
        this.b3 = params.get(5);
        int h = w1.value.cols;
        boolean floats = scratch instanceof DenseF;
        this.h1 = floats ? new DenseF(batch, h) : new Dense(batch, h);
        this.h2 = floats ? new DenseF(batch, h) : new Dense(batch, h);
        this.acc = floats ? new float[h] : null;
        this.row = floats ? new float[h] : null;
        this.biasRow = floats ? new float[h] : null;
        this.bias1Rows = floats ? new DenseF(batch, h) : null;
        this.bias2Rows = floats ? new DenseF(batch, h) : null;
        this.scratch = scratch;
        this.out = new Dense(batch, w3.value.cols);
    }

    Dense forward(Dense input) {
        this.x = input;
        blas.gemm(input, false, w1.value, false, h1, 1, 0);
        biasRelu(h1, b1.value, bias1Rows);
        blas.gemm(h1, false, w2.value, false, h2, 1, 0);
        biasRelu(h2, b2.value, bias2Rows);
        blas.gemm(h2, false, w3.value, false, out, 1, 0);
        out.addRow(b3.value);
        return out;
    }

    /** Accumulates the weight gradients of {@code ⟨upstream, Y⟩}. Overwrites the stored activations. */
    void backward(Dense upstream) {
        backward(upstream, null);
    }

    /**
     * {@link #backward(Dense)}, and when {@code inputAdjoint} is not null adds {@code ∂⟨upstream, Y⟩/∂x} to it (a conditional
     * encoder's context columns: what the layers computing the context receive).
     */
    void backward(Dense upstream, Dense inputAdjoint) {
        upstream.addColumnSumsTo(b3.grad);
        blas.gemm(h2, true, upstream, false, w3.grad, 1, 1);
        blas.gemm(upstream, false, w3.value, true, scratch, 1, 0);
        maskInto(scratch, h2);
        columnSums(h2, b2.grad);
        blas.gemm(h1, true, h2, false, w2.grad, 1, 1);
        blas.gemm(h2, false, w2.value, true, scratch, 1, 0);
        maskInto(scratch, h1);
        columnSums(h1, b1.grad);
        blas.gemm(x, true, h1, false, w1.grad, 1, 1);
        if (inputAdjoint != null) {
            blas.gemm(h1, false, w1.value, true, inputAdjoint, 1, 1);
        }
    }

    private void columnSums(Matrix a, Dense out) {
        if (a instanceof DenseF f) {
            f.addColumnSumsTo(out, acc, row);
        } else {
            ((Dense) a).addColumnSumsTo(out);
        }
    }

    /** {@code m ← relu(m + bias)}; float layers add the bias from {@code rows} (its row-replicated copy, refreshed here). */
    private void biasRelu(Matrix m, Dense bias, DenseF rows) {
        if (m instanceof DenseF f) {
            for (int c = 0; c < biasRow.length; c++) {
                biasRow[c] = (float) bias.v[c];
            }
            rows.repeatRow(biasRow);
            float[] v = f.v;
            float[] b = rows.v;
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(v[i] + b[i], 0f);
            }
            return;
        }
        Dense a = (Dense) m;
        a.addRow(bias);
        double[] v = a.v;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(v[i], 0.0);
        }
    }

    /** {@code act ← adjoint ⊙ [act > 0]}: the pre-activation adjoint, written over the activation. */
    private static void maskInto(Matrix adjoint, Matrix act) {
        if (act instanceof DenseF f) {
            float[] g = ((DenseF) adjoint).v;
            float[] a = f.v;
            // branch-free (vectorised): act ≥ 0, and act · 1e38 ≥ 1 for every normal act > 0
            for (int i = 0; i < a.length; i++) {
                a[i] = g[i] * Math.min(a[i] * 1e38f, 1f);
            }
            return;
        }
        double[] g = ((Dense) adjoint).v;
        double[] a = ((Dense) act).v;
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i] > 0 ? g[i] : 0.0;
        }
    }
}
