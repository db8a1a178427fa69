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

    /**
     * Adds the row vector {@code bias} to every row, through {@code rows} (a matrix of this shape that keeps
     * {@code bias} repeated, {@link #repeatRow}): one loop at one index, which C2 vectorises, where a row-by-row
     * loop mixing a row offset with a column index runs scalar.
     */
    void addRow(float[] bias, DenseF rows) {
        rows.repeatRow(bias);
        add(rows);
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
     * {@code out ← out + Σ_rows this}: the column sums, accumulated in float over the rows into {@code acc} and
     * then added to the double vector {@code out}; {@code acc} and {@code row} are scratch of {@code cols} floats.
     * Each row is first copied into {@code row}: a loop whose arrays share one index vectorises (JDK 17's C2
     * does not vectorise {@code acc[c] += v[o + c]}).
     */
    void addColumnSumsTo(Dense out, float[] acc, float[] row) {
        java.util.Arrays.fill(acc, 0, cols, 0f);
        for (int o = 0; o < v.length; o += cols) {
            System.arraycopy(v, o, row, 0, cols);
            for (int c = 0; c < cols; c++) {
                acc[c] += row[c];
            }
        }
        for (int c = 0; c < cols; c++) {
            out.v[c] += acc[c];
        }
    }
}
