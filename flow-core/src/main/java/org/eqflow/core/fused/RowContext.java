package org.eqflow.core.fused;

/**
 * The context rows {@code c [B, k]} of one set of rows of a conditional model (the batch, the penalty's base samples, a
 * block of an evaluation), and, when {@link #wanted}, the adjoint {@code ∂L/∂c} its kernels accumulate in the backward
 * pass (what a DL4J network passes back to the layers that compute the context).
 */
final class RowContext {
    /** The context values, filled by the caller before a forward pass. */
    final Dense values;
    /** {@code ∂L/∂c}, accumulated by every kernel of these rows while {@link #wanted}. */
    final Dense adjoint;
    /** Whether the backward pass accumulates {@link #adjoint}. */
    boolean wanted;

    RowContext(int rows, int k) {
        values = new Dense(rows, k);
        adjoint = new Dense(rows, k);
    }

    /** A context for {@code rows} rows, or null for an unconditional model ({@code k = 0}). */
    static RowContext of(int rows, int k) {
        return k == 0 ? null : new RowContext(rows, k);
    }

    /** Adds the last {@code k} columns of {@code wide} ({@code [B, n + k]}) to {@link #adjoint}. */
    void addTrailingColumns(Dense wide) {
        int k = adjoint.cols;
        int w = wide.cols;
        double[] a = adjoint.v;
        double[] v = wide.v;
        for (int r = 0; r < adjoint.rows; r++) {
            for (int j = 0; j < k; j++) {
                a[r * k + j] += v[r * w + w - k + j];
            }
        }
    }
}
