package org.eqflow.core.manifold;

import java.util.Arrays;

/**
 * A complex {@code n × n} matrix, row-major, real and imaginary parts in two arrays. Small and dense: the
 * matrices of SU(n) for small n, where plain loops beat any library call.
 *
 * @param n  the size
 * @param re real parts, {@code re[i n + j]}
 * @param im imaginary parts, {@code im[i n + j]}
 */
public record ComplexMatrix(int n, double[] re, double[] im) {

    /** Checks the sizes. */
    public ComplexMatrix {
        if (n < 1 || re.length != n * n || im.length != n * n) {
            throw new IllegalArgumentException("a complex " + n + "×" + n + " matrix needs " + n * n + " real and imaginary parts");
        }
    }

    /**
     * @param n the size
     * @return the identity
     */
    public static ComplexMatrix identity(int n) {
        double[] re = new double[n * n];
        for (int i = 0; i < n; i++) {
            re[i * n + i] = 1;
        }
        return new ComplexMatrix(n, re, new double[n * n]);
    }

    /**
     * The matrix of a row as the command line writes it: {@code Re U_00, Im U_00, Re U_01, Im U_01, …}, row-major.
     *
     * @param row {@code 2n²} numbers
     * @return the matrix
     */
    public static ComplexMatrix fromRow(double[] row) {
        int n = (int) Math.round(Math.sqrt(row.length / 2.0));
        if (2 * n * n != row.length) {
            throw new IllegalArgumentException("a complex n×n matrix is 2n² numbers (real and imaginary part of each entry, "
                    + "row-major), got " + row.length);
        }
        double[] re = new double[n * n];
        double[] im = new double[n * n];
        for (int k = 0; k < n * n; k++) {
            re[k] = row[2 * k];
            im[k] = row[2 * k + 1];
        }
        return new ComplexMatrix(n, re, im);
    }

    /** @return the row of {@link #fromRow}: real and imaginary part of each entry, row-major */
    public double[] toRow() {
        double[] row = new double[2 * n * n];
        for (int k = 0; k < n * n; k++) {
            row[2 * k] = re[k];
            row[2 * k + 1] = im[k];
        }
        return row;
    }

    /**
     * @param b the right factor
     * @return {@code this · b}
     */
    public ComplexMatrix times(ComplexMatrix b) {
        double[] cr = new double[n * n];
        double[] ci = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double ar = re[i * n + k];
                double ai = im[i * n + k];
                for (int j = 0; j < n; j++) {
                    cr[i * n + j] += ar * b.re[k * n + j] - ai * b.im[k * n + j];
                    ci[i * n + j] += ar * b.im[k * n + j] + ai * b.re[k * n + j];
                }
            }
        }
        return new ComplexMatrix(n, cr, ci);
    }

    /** @return the conjugate transpose {@code U†} */
    public ComplexMatrix adjoint() {
        double[] r = new double[n * n];
        double[] i = new double[n * n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                r[b * n + a] = re[a * n + b];
                i[b * n + a] = -im[a * n + b];
            }
        }
        return new ComplexMatrix(n, r, i);
    }

    /** @return the trace as {@code {re, im}} */
    public double[] trace() {
        double r = 0;
        double i = 0;
        for (int a = 0; a < n; a++) {
            r += re[a * n + a];
            i += im[a * n + a];
        }
        return new double[] {r, i};
    }

    /**
     * The traces of the powers {@code tr U^k}, k = 1…m.
     *
     * @param m the highest power
     * @return {@code [m][2]}: real and imaginary part of each trace
     */
    public double[][] powerTraces(int m) {
        double[][] t = new double[m][];
        ComplexMatrix p = this;
        for (int k = 0; k < m; k++) {
            t[k] = p.trace();
            if (k + 1 < m) {
                p = p.times(this);
            }
        }
        return t;
    }

    /** @return the determinant as {@code {re, im}} (LU with partial pivoting) */
    public double[] determinant() {
        double[] r = re.clone();
        double[] i = im.clone();
        double dr = 1;
        double di = 0;
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int row = c + 1; row < n; row++) {
                if (Math.hypot(r[row * n + c], i[row * n + c]) > Math.hypot(r[pivot * n + c], i[pivot * n + c])) {
                    pivot = row;
                }
            }
            if (pivot != c) {
                for (int j = 0; j < n; j++) {
                    double t = r[c * n + j];
                    r[c * n + j] = r[pivot * n + j];
                    r[pivot * n + j] = t;
                    t = i[c * n + j];
                    i[c * n + j] = i[pivot * n + j];
                    i[pivot * n + j] = t;
                }
                dr = -dr;
                di = -di;
            }
            double pr = r[c * n + c];
            double pi = i[c * n + c];
            double nr = dr * pr - di * pi;
            di = dr * pi + di * pr;
            dr = nr;
            double mag = pr * pr + pi * pi;
            if (mag == 0) {
                return new double[] {0, 0};
            }
            for (int row = c + 1; row < n; row++) {
                // f = a[row][c] / a[c][c]
                double ar = r[row * n + c];
                double ai = i[row * n + c];
                double fr = (ar * pr + ai * pi) / mag;
                double fi = (ai * pr - ar * pi) / mag;
                for (int j = c; j < n; j++) {
                    r[row * n + j] -= fr * r[c * n + j] - fi * i[c * n + j];
                    i[row * n + j] -= fr * i[c * n + j] + fi * r[c * n + j];
                }
            }
        }
        return new double[] {dr, di};
    }

    /** @return the largest entry of {@code |U U† − I|} */
    public double unitarityError() {
        ComplexMatrix p = times(adjoint());
        double worst = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                worst = Math.max(worst, Math.hypot(p.re[a * n + b] - (a == b ? 1 : 0), p.im[a * n + b]));
            }
        }
        return worst;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComplexMatrix m && n == m.n && Arrays.equals(re, m.re) && Arrays.equals(im, m.im);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(re) + Arrays.hashCode(im);
    }

    @Override
    public String toString() {
        return "ComplexMatrix" + n + Arrays.toString(toRow());
    }
}
