package org.eqflow.core.fused;

/** A row-major float matrix on the Java heap ({@link Matrix}): the hidden activations of float32 models. */
final class DenseF extends Matrix {
    final float[] v;
    /** Whether {@link #repeatRow} has filled every row. */
    private boolean filled;

    DenseF(int rows, int cols) {
        super(rows, cols);
        this.v = new float[Math.multiplyExact(rows, cols)];
    }

    /** Adds the row vector {@code bias} ({@code [1, cols]}, given as floats) to every row. */
    void addRow(float[] bias) {
        float[] a = v;
        for (int r = 0, o = 0; r < rows; r++, o += cols) {
            for (int c = 0; c < cols; c++) {
                a[o + c] += bias[c];
            }
        }
    }

    /** {@code this ← this + other}, element-wise (same shape). */
    void add(DenseF other) {
        float[] a = v;
        float[] b = other.v;
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    /**
     * Fills every row with {@code row} ({@code cols} floats), unless the matrix already holds it (its first row
     * equal to {@code row}): one row copied, then the filled part doubled by block copies.
     */
    void repeatRow(float[] row) {
        if (java.util.Arrays.equals(v, 0, cols, row, 0, cols) && filled) {
            return;
        }
        System.arraycopy(row, 0, v, 0, cols);
        for (int done = cols; done < v.length; done *= 2) {
            System.arraycopy(v, 0, v, done, Math.min(done, v.length - done));
        }
        filled = true;
    }

    /**
     * {@code out ← out + Σ_rows this}: the column sums, accumulated in float per block of rows into
     * {@code acc} ({@code cols} floats, scratch) and then added to the double vector {@code out}.
     */
    void addColumnSumsTo(Dense out, float[] acc) {
        java.util.Arrays.fill(acc, 0, cols, 0f);
        float[] a = v;
        for (int r = 0, o = 0; r < rows; r++, o += cols) {
            for (int c = 0; c < cols; c++) {
                acc[c] += a[o + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            out.v[c] += acc[c];
        }
    }
}
