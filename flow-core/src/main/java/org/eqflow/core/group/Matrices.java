package org.eqflow.core.group;

/** Small dense {@code d × d} matrix helpers for group elements. */
final class Matrices {
    private Matrices() {
    }

    static double[][] identity(int d) {
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double v = a[i][k];
                if (v != 0) {
                    for (int j = 0; j < n; j++) {
                        c[i][j] += v * b[k][j];
                    }
                }
            }
        }
        return c;
    }

    static double distance(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    /**
     * The {@code d × d} matrix acting by the {@code 2 × 2} block {@code [[a, b], [c, e]]} on each coordinate
     * pair {@code (x_{2i}, x_{2i+1})} alike ({@code d} even): one planar transformation of every point of a row.
     */
    static double[][] onEveryPair(int d, double a, double b, double c, double e) {
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i += 2) {
            m[i][i] = a;
            m[i][i + 1] = b;
            m[i + 1][i] = c;
            m[i + 1][i + 1] = e;
        }
        return m;
    }

    /** Rotation by {@code θ} of every coordinate pair. */
    static double[][] rotation(int d, double theta) {
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        return onEveryPair(d, c, -s, s, c);
    }

    /** Rotation by {@code θ} after the reflection {@code (x, y) ↦ (x, −y)} of every coordinate pair. */
    static double[][] reflection(int d, double theta) {
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        return onEveryPair(d, c, s, s, -c);
    }
}
