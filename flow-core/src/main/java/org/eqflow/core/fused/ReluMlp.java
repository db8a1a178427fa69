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
    private final Dense h1;
    private final Dense h2;
    private final Dense scratch;
    private Dense x;
    /** The output {@code Y}, {@code [B, d]}. */
    final Dense out;

    /** @param params {@code W1, b1, W2, b2, W3, b3}; {@code scratch} is {@code [B, h]}, shared */
    ReluMlp(Blas blas, List<Param> params, int batch, Dense scratch) {
        this.blas = blas;
        this.w1 = params.get(0);
        this.b1 = params.get(1);
        this.w2 = params.get(2);
        this.b2 = params.get(3);
        this.w3 = params.get(4);
        this.b3 = params.get(5);
        int h = w1.value.cols;
        this.h1 = new Dense(batch, h);
        this.h2 = new Dense(batch, h);
        this.scratch = scratch;
        this.out = new Dense(batch, w3.value.cols);
    }

    Dense forward(Dense input) {
        this.x = input;
        blas.gemm(input, false, w1.value, false, h1, 1, 0);
        biasRelu(h1, b1.value);
        blas.gemm(h1, false, w2.value, false, h2, 1, 0);
        biasRelu(h2, b2.value);
        blas.gemm(h2, false, w3.value, false, out, 1, 0);
        out.addRow(b3.value);
        return out;
    }

    /** Accumulates the weight gradients of {@code ⟨upstream, Y⟩}. Overwrites the stored activations. */
    void backward(Dense upstream) {
        upstream.addColumnSumsTo(b3.grad);
        blas.gemm(h2, true, upstream, false, w3.grad, 1, 1);
        blas.gemm(upstream, false, w3.value, true, scratch, 1, 0);
        maskInto(scratch, h2);
        h2.addColumnSumsTo(b2.grad);
        blas.gemm(h1, true, h2, false, w2.grad, 1, 1);
        blas.gemm(h2, false, w2.value, true, scratch, 1, 0);
        maskInto(scratch, h1);
        h1.addColumnSumsTo(b1.grad);
        blas.gemm(x, true, h1, false, w1.grad, 1, 1);
    }

    private static void biasRelu(Dense a, Dense bias) {
        a.addRow(bias);
        double[] v = a.v;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(v[i], 0.0);
        }
    }

    /** {@code act ← adjoint ⊙ [act > 0]}: the pre-activation adjoint, written over the activation. */
    private static void maskInto(Dense adjoint, Dense act) {
        double[] g = adjoint.v;
        double[] a = act.v;
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i] > 0 ? g[i] : 0.0;
        }
    }
}
