package org.eqflow.core.fused;

/**
 * A dense row-major matrix {@code [rows, cols]} of doubles on the Java heap: the element-wise work of
 * the fused path runs in plain loops over {@link #v}, which the JIT vectorises; matrix products go to
 * BLAS through {@link Blas}.
 */
final class Dense extends Matrix {
    final double[] v;

    Dense(int rows, int cols) {
        super(rows, cols);
        this.v = new double[Math.multiplyExact(rows, cols)];
    }

    void zero() {
        java.util.Arrays.fill(v, 0.0);
    }

    void copyFrom(Dense other) {
        System.arraycopy(other.v, 0, v, 0, v.length);
    }

    /** {@code this ← this + alpha · x}. */
    void addScaled(double alpha, Dense x) {
        double[] a = v;
        double[] b = x.v;
        for (int i = 0; i < a.length; i++) {
            a[i] += alpha * b[i];
        }
    }

    /** {@code this ← alpha · x}. */
    void setScaled(double alpha, Dense x) {
        double[] a = v;
        double[] b = x.v;
        for (int i = 0; i < a.length; i++) {
            a[i] = alpha * b[i];
        }
    }

    /** {@code this ← x + alpha · y}. */
    void setSum(Dense x, double alpha, Dense y) {
        double[] a = v;
        double[] b = x.v;
        double[] c = y.v;
        for (int i = 0; i < a.length; i++) {
            a[i] = b[i] + alpha * c[i];
        }
    }

    /** {@code Σ_i this_i · x_i}. */
    double dot(Dense x) {
        double s = 0;
        double[] a = v;
        double[] b = x.v;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Adds the row vector {@code bias} ({@code [1, cols]}) to every row. */
    void addRow(Dense bias) {
        double[] a = v;
        double[] b = bias.v;
        for (int r = 0, o = 0; r < rows; r++, o += cols) {
            for (int c = 0; c < cols; c++) {
                a[o + c] += b[c];
            }
        }
    }

    /** {@code out ← out + Σ_rows this} (column sums accumulated into a {@code [1, cols]} vector). */
    void addColumnSumsTo(Dense out) {
        double[] a = v;
        double[] s = out.v;
        for (int r = 0, o = 0; r < rows; r++, o += cols) {
            for (int c = 0; c < cols; c++) {
                s[c] += a[o + c];
            }
        }
    }
}
