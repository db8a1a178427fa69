package org.eqflow.core.fused;

/**
 * The gradient kernel of a conditional energy {@code E(x; c)} whose context enters the first layer,
 * {@code A1 = x W1 + c V1 + b1 = [x | c] [W1; V1] + b1}: the kernel of the same MLP on the stacked input
 * {@code [x | c]} with the stacked weights {@code [W1; V1]} ({@link ContextStack}), whose first {@code n} output
 * columns are {@code ∇x E} and whose first {@code n} input-adjoint columns are the Hessian-vector product in
 * {@code x}. The upstream adjoint of the context's columns is zero; their input adjoint is {@code ∂L/∂c}, added to the
 * rows' {@link RowContext#adjoint} when it is wanted.
 */
final class ContextKernel implements GradientKernel {
    private final GradientKernel inner;
    private final RowContext context;
    private final int n;
    private final int k;
    private final Dense stacked;
    private final Dense out;
    private final Dense padded;
    private final Dense adjoint;

    /**
     * @param inner   the kernel of the stacked MLP, input {@code [B, n + k]}
     * @param context the rows' context {@code [B, k]}, read at each {@link #forward}, and its adjoint
     */
    private ContextKernel(GradientKernel inner, RowContext context, int n) {
        this.inner = inner;
        this.context = context;
        this.n = n;
        this.k = context.values.cols;
        int b = context.values.rows;
        stacked = new Dense(b, n + k);
        out = new Dense(b, n);
        padded = new Dense(b, n + k);
        adjoint = new Dense(b, n + k);
    }

    /** {@code inner} conditioned on {@code context}, or {@code inner} itself when there is no context. */
    static GradientKernel wrap(GradientKernel inner, RowContext context, int inputs) {
        return context == null ? inner : new ContextKernel(inner, context, inputs);
    }

    @Override
    public Dense forward(Dense x) {
        int w = n + k;
        double[] s = stacked.v;
        for (int r = 0; r < x.rows; r++) {
            System.arraycopy(x.v, r * n, s, r * w, n);
            System.arraycopy(context.values.v, r * k, s, r * w + n, k);
        }
        double[] g = inner.forward(stacked).v;
        for (int r = 0; r < x.rows; r++) {
            System.arraycopy(g, r * w, out.v, r * n, n);
        }
        return out;
    }

    @Override
    public Dense out() {
        return out;
    }

    @Override
    public void backward(Dense upstream, Dense inputAdjoint) {
        int w = n + k;
        double[] u = padded.v;
        for (int r = 0; r < out.rows; r++) {
            System.arraycopy(upstream.v, r * n, u, r * w, n);
        }
        if (inputAdjoint == null && !context.wanted) {
            inner.backward(padded, null);
            return;
        }
        adjoint.zero();
        inner.backward(padded, adjoint);
        if (context.wanted) {
            context.addTrailingColumns(adjoint);
        }
        if (inputAdjoint == null) {
            return;
        }
        double[] a = adjoint.v;
        double[] x = inputAdjoint.v;
        for (int r = 0, o = 0; r < out.rows; r++, o += n) {
            for (int j = 0; j < n; j++) {
                x[o + j] += a[r * w + j];
            }
        }
    }
}
