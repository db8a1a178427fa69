package org.eqflow.core.fused;

/** A row-major float matrix on the Java heap ({@link Matrix}): the hidden activations of float32 models. */
final class DenseF extends Matrix {
    final float[] v;

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
