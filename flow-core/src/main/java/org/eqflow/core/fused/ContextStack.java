package org.eqflow.core.fused;

/**
 * The first layer of a conditional MLP as one stacked parameter {@code [W1; V1]} ({@code [n + k, h]}): the fused
 * kernels run on the stacked input {@code [x | c]} ({@link ContextKernel}, the encoder's {@link ReluMlp}) and see
 * one weight matrix. {@link #load} copies the model's {@code W1} and {@code V1} in before an evaluation;
 * {@link #scatterGradient} adds the stacked gradient's two blocks to theirs after it.
 */
final class ContextStack {
    private final Param w1;
    private final Param v1;
    final Param stacked;

    ContextStack(Param w1, Param v1) {
        if (w1.value.cols != v1.value.cols) {
            throw new IllegalArgumentException(v1.name + " has " + v1.value.cols + " columns but " + w1.name + " has " + w1.value.cols);
        }
        this.w1 = w1;
        this.v1 = v1;
        this.stacked = new Param(w1.name + "+" + v1.name, w1.value.rows + v1.value.rows, w1.value.cols);
    }

    void load() {
        System.arraycopy(w1.value.v, 0, stacked.value.v, 0, w1.value.v.length);
        System.arraycopy(v1.value.v, 0, stacked.value.v, w1.value.v.length, v1.value.v.length);
        stacked.grad.zero();
    }

    void scatterGradient() {
        double[] g = stacked.grad.v;
        double[] gw = w1.grad.v;
        double[] gv = v1.grad.v;
        for (int i = 0; i < gw.length; i++) {
            gw[i] += g[i];
        }
        for (int i = 0; i < gv.length; i++) {
            gv[i] += g[gw.length + i];
        }
    }
}
