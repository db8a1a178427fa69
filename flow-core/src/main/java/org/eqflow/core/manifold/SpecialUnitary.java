package org.eqflow.core.manifold;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The special unitary group SU(n): Haar-distributed draws, eigen-angles, matrices from eigen-angles, and the
 * membership check of input data.
 *
 * <p>A class function {@code f(V U V†) = f(U)} depends on U only through its eigenvalues {@code e^{iθ_j}}, with
 * {@code Σ_j θ_j = 0 (mod 2π)}; its Haar integral is an integral over the angles with the Weyl density
 * ({@link WeylIntegral}).
 */
public final class SpecialUnitary {
    /** Largest n handled (eigen-angles from the characteristic polynomial, quadrature on an (n−1)-torus). */
    public static final int MAX_N = 8;

    private SpecialUnitary() {
    }

    /**
     * A Haar-distributed element of SU(n): the QR decomposition of a complex Gaussian matrix with the phases of
     * R's diagonal moved into Q (Haar on U(n), Mezzadri 2007), times {@code det^{−1/n}} (Haar on SU(n): the
     * branch of the root is a central element, which leaves Haar measure unchanged).
     *
     * @param n   the size, 1 to {@value #MAX_N}
     * @param rng the random source
     * @return a matrix with {@code U U† = I}, {@code det U = 1}
     */
    public static ComplexMatrix haar(int n, SplittableRandom rng) {
        checkSize(n);
        double[] re = new double[n * n];
        double[] im = new double[n * n];
        for (int k = 0; k < n * n; k++) {
            re[k] = rng.nextGaussian() / Math.sqrt(2);
            im[k] = rng.nextGaussian() / Math.sqrt(2);
        }
        // Modified Gram–Schmidt on the columns; column j of Q is the normalised residual, R_jj = its norm > 0,
        // so the phase correction of Mezzadri's recipe is already the identity.
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < j; k++) {
                double dr = 0;
                double di = 0;   // <q_k, a_j> = Σ conj(q_k) a_j
                for (int i = 0; i < n; i++) {
                    dr += re[i * n + k] * re[i * n + j] + im[i * n + k] * im[i * n + j];
                    di += re[i * n + k] * im[i * n + j] - im[i * n + k] * re[i * n + j];
                }
                for (int i = 0; i < n; i++) {
                    re[i * n + j] -= dr * re[i * n + k] - di * im[i * n + k];
                    im[i * n + j] -= dr * im[i * n + k] + di * re[i * n + k];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += re[i * n + j] * re[i * n + j] + im[i * n + j] * im[i * n + j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                re[i * n + j] /= norm;
                im[i * n + j] /= norm;
            }
        }
        ComplexMatrix u = new ComplexMatrix(n, re, im);
        double[] det = u.determinant();
        double phase = -Math.atan2(det[1], det[0]) / n;
        double c = Math.cos(phase);
        double s = Math.sin(phase);
        for (int k = 0; k < n * n; k++) {
            double r = re[k];
            re[k] = r * c - im[k] * s;
            im[k] = r * s + im[k] * c;
        }
        return u;
    }

    /**
     * The eigen-angles {@code θ_j ∈ (−π, π]} of a unitary matrix, ascending: the roots of its characteristic
     * polynomial (coefficients from the traces of its powers by Newton's identities), found by the
     * Durand–Kerner iteration and polished by Newton's method.
     *
     * @param u a unitary matrix
     * @return the angles of its eigenvalues
     */
    public static double[] eigenAngles(ComplexMatrix u) {
        int n = u.n();
        checkSize(n);
        double[][] p = u.powerTraces(n);
        // e_0 = 1, k e_k = Σ_{i=1..k} (−1)^{i−1} e_{k−i} p_i
        double[] er = new double[n + 1];
        double[] ei = new double[n + 1];
        er[0] = 1;
        for (int k = 1; k <= n; k++) {
            double sr = 0;
            double si = 0;
            for (int i = 1; i <= k; i++) {
                double sign = (i % 2 == 1) ? 1 : -1;
                sr += sign * (er[k - i] * p[i - 1][0] - ei[k - i] * p[i - 1][1]);
                si += sign * (er[k - i] * p[i - 1][1] + ei[k - i] * p[i - 1][0]);
            }
            er[k] = sr / k;
            ei[k] = si / k;
        }
        // Characteristic polynomial λ^n + Σ_k a_k λ^{n−k}, a_k = (−1)^k e_k.
        double[] ar = new double[n + 1];
        double[] ai = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            double sign = (k % 2 == 0) ? 1 : -1;
            ar[k] = sign * er[k];
            ai[k] = sign * ei[k];
        }
        double[] zr = new double[n];
        double[] zi = new double[n];
        for (int j = 0; j < n; j++) {   // distinct starting points on a circle slightly off the unit circle
            double angle = 2 * Math.PI * j / n + 0.4;
            zr[j] = 0.9 * Math.cos(angle);
            zi[j] = 0.9 * Math.sin(angle);
        }
        for (int iter = 0; iter < 500; iter++) {
            double moved = 0;
            for (int j = 0; j < n; j++) {
                double[] f = poly(ar, ai, zr[j], zi[j]);
                double dr = 1;
                double di = 0;
                for (int k = 0; k < n; k++) {
                    if (k != j) {
                        double xr = zr[j] - zr[k];
                        double xi = zi[j] - zi[k];
                        double t = dr * xr - di * xi;
                        di = dr * xi + di * xr;
                        dr = t;
                    }
                }
                double mag = dr * dr + di * di;
                if (mag == 0) {
                    dr = 1e-12;
                    mag = 1e-24;
                }
                double qr = (f[0] * dr + f[1] * di) / mag;
                double qi = (f[1] * dr - f[0] * di) / mag;
                zr[j] -= qr;
                zi[j] -= qi;
                moved = Math.max(moved, Math.hypot(qr, qi));
            }
            if (moved < 1e-15) {
                break;
            }
        }
        double[] angles = new double[n];
        for (int j = 0; j < n; j++) {
            angles[j] = Math.atan2(zi[j], zr[j]);
        }
        Arrays.sort(angles);
        return angles;
    }

    /** The polynomial {@code λ^n + Σ a_k λ^{n−k}} at z, by Horner's rule, as {@code {re, im}}. */
    private static double[] poly(double[] ar, double[] ai, double zr, double zi) {
        double vr = ar[0];
        double vi = ai[0];
        for (int k = 1; k < ar.length; k++) {
            double t = vr * zr - vi * zi + ar[k];
            vi = vr * zi + vi * zr + ai[k];
            vr = t;
        }
        return new double[] {vr, vi};
    }

    /**
     * {@code V diag(e^{iθ}) V†}: the matrix with eigenvectors the columns of V and eigen-angles θ.
     *
     * @param v      a unitary matrix (its columns are the eigenvectors)
     * @param angles the eigen-angles, one per column
     * @return the matrix
     */
    public static ComplexMatrix fromEigen(ComplexMatrix v, double[] angles) {
        int n = v.n();
        if (angles.length != n) {
            throw new IllegalArgumentException(n + "×" + n + " eigenvectors need " + n + " angles, got " + angles.length);
        }
        double[] re = new double[n * n];
        double[] im = new double[n * n];
        for (int j = 0; j < n; j++) {
            double c = Math.cos(angles[j]);
            double s = Math.sin(angles[j]);
            for (int i = 0; i < n; i++) {
                re[i * n + j] = v.re()[i * n + j] * c - v.im()[i * n + j] * s;
                im[i * n + j] = v.re()[i * n + j] * s + v.im()[i * n + j] * c;
            }
        }
        return new ComplexMatrix(n, re, im).times(v.adjoint());
    }

    /**
     * Why a matrix is not in SU(n) within {@code tolerance}, or empty if it is.
     *
     * @param u         the matrix
     * @param tolerance the largest accepted entry of {@code |U U† − I|} and of {@code |det U − 1|}
     * @return the reason, naming the measured error
     */
    public static Optional<String> check(ComplexMatrix u, double tolerance) {
        double unitary = u.unitarityError();
        if (!(unitary <= tolerance)) {
            return Optional.of(String.format(java.util.Locale.ROOT, "not unitary: |U U† − I| = %.3g > %.3g", unitary, tolerance));
        }
        double[] det = u.determinant();
        double off = Math.hypot(det[0] - 1, det[1]);
        if (!(off <= tolerance)) {
            return Optional.of(String.format(java.util.Locale.ROOT, "det U = %.6g%+.6gi, not 1 (|det U − 1| = %.3g > %.3g)",
                    det[0], det[1], off, tolerance));
        }
        return Optional.empty();
    }

    private static void checkSize(int n) {
        if (n < 1 || n > MAX_N) {
            throw new IllegalArgumentException("SU(n) needs 1 <= n <= " + MAX_N + ", got " + n);
        }
    }

    /**
     * The numbers of a row of a file for SU(n) (the format of {@code eqflow sample}, {@code data}, {@code logprob}):
     * SU(2) as a unit quaternion {@code a, b, c, d} with {@code U = [[a + ib, c + id], [−c + id, a − ib]]} (SU(2) ≅ S³),
     * SU(n) for n ≥ 3 as the real and imaginary part of each entry, row-major ({@link ComplexMatrix#toRow}).
     *
     * @param n the group SU(n)
     * @return the row's length: 4 for SU(2), 2n² otherwise
     */
    public static int rowLength(int n) {
        return n == 2 ? 4 : 2 * n * n;
    }

    /**
     * A matrix from its row ({@link #rowLength}).
     *
     * @param n   the group SU(n)
     * @param row the numbers
     * @return the matrix (not checked to be in SU(n): see {@link #check})
     */
    public static ComplexMatrix fromRow(int n, double[] row) {
        if (row.length != rowLength(n)) {
            throw new IllegalArgumentException("a row of SU(" + n + ") has " + rowLength(n) + " numbers, got " + row.length);
        }
        if (n != 2) {
            return ComplexMatrix.fromRow(row);
        }
        double a = row[0];
        double b = row[1];
        double c = row[2];
        double d = row[3];
        return ComplexMatrix.fromRow(new double[] {a, b, c, d, -c, d, a, -b});
    }

    /**
     * The row of a matrix ({@link #rowLength}); for SU(2) the quaternion of {@link #fromRow(int, double[])}.
     *
     * @param u a matrix of SU(n)
     * @return its row
     */
    public static double[] toRow(ComplexMatrix u) {
        double[] m = u.toRow();
        if (u.n() != 2) {
            return m;
        }
        // U = [[a + ib, c + id], [−c + id, a − ib]]: average the two places each number appears (exact for SU(2)).
        return new double[] {(m[0] + m[6]) / 2, (m[1] - m[7]) / 2, (m[2] - m[4]) / 2, (m[3] + m[5]) / 2};
    }

    /**
     * The header of a file of rows: {@code a,b,c,d} for SU(2), {@code re00,im00,re01,…} otherwise.
     *
     * @param n the group SU(n)
     * @return the header line, without a line break
     */
    public static String rowHeader(int n) {
        if (n == 2) {
            return "a,b,c,d";
        }
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                h.append(h.length() == 0 ? "" : ",").append("re").append(i).append(j).append(",im").append(i).append(j);
            }
        }
        return h.toString();
    }
}
