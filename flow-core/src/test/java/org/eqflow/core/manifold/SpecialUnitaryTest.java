package org.eqflow.core.manifold;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Haar draws, eigen-angles and the membership check of SU(n), against exact moments and reconstructions. */
class SpecialUnitaryTest {

    @Test
    void haarDrawsAreSpecialUnitary() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int n = 1; n <= 5; n++) {
            for (int i = 0; i < 20; i++) {
                ComplexMatrix u = SpecialUnitary.haar(n, rng);
                assertTrue(SpecialUnitary.check(u, 1e-12).isEmpty(), () -> SpecialUnitary.check(u, 1e-12).orElseThrow());
            }
        }
    }

    /**
     * Haar moments known exactly: E[tr U] = 0, E[|tr U|²] = 1 and, for n ≥ 2, E[|tr U|⁴] = 2 (Diaconis–Shahshahani:
     * E|tr U|^{2k} = k! for k ≤ n on U(n), and SU(n) agrees below degree n). 40,000 draws, 5 standard errors.
     */
    @Test
    void haarMomentsMatchTheExactValues() {
        SplittableRandom rng = new SplittableRandom(2);
        int draws = 40_000;
        for (int n : new int[] {2, 3}) {
            double[] sum = new double[3];
            double[] sq = new double[3];
            for (int i = 0; i < draws; i++) {
                double[] t = SpecialUnitary.haar(n, rng).trace();
                double abs2 = t[0] * t[0] + t[1] * t[1];
                double[] v = {t[0], abs2, abs2 * abs2};
                for (int k = 0; k < 3; k++) {
                    sum[k] += v[k];
                    sq[k] += v[k] * v[k];
                }
            }
            double[] exact = {0, 1, 2};
            for (int k = 0; k < 3; k++) {
                double mean = sum[k] / draws;
                double se = Math.sqrt((sq[k] / draws - mean * mean) / draws);
                assertEquals(exact[k], mean, 5 * se, "SU(" + n + ") moment " + k);
            }
        }
    }

    @Test
    void eigenAnglesReconstructTheMatrix() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int n = 2; n <= 6; n++) {
            for (int i = 0; i < 20; i++) {
                double[] theta = new double[n];
                double sum = 0;
                for (int j = 0; j < n - 1; j++) {
                    theta[j] = (2 * rng.nextDouble() - 1) * Math.PI;
                    sum += theta[j];
                }
                theta[n - 1] = Math.IEEEremainder(-sum, 2 * Math.PI);
                ComplexMatrix u = SpecialUnitary.fromEigen(SpecialUnitary.haar(n, rng), theta);
                assertTrue(SpecialUnitary.check(u, 1e-12).isEmpty(), "SU(" + n + ")");
                double[] expected = theta.clone();
                Arrays.sort(expected);
                assertArrayEquals(expected, SpecialUnitary.eigenAngles(u), 1e-9, "SU(" + n + ") angles");
            }
        }
    }

    @Test
    void offTheGroupIsNamed() {
        ComplexMatrix u = SpecialUnitary.haar(3, new SplittableRandom(4));
        double[] re = u.re().clone();
        re[0] += 1e-3;
        String notUnitary = SpecialUnitary.check(new ComplexMatrix(3, re, u.im()), 1e-6).orElseThrow();
        assertTrue(notUnitary.startsWith("not unitary: |U U† − I| = "), notUnitary);
        double c = Math.cos(0.3);
        double s = Math.sin(0.3);
        double[] pr = new double[9];
        double[] pi = new double[9];
        for (int k = 0; k < 9; k++) {
            pr[k] = u.re()[k] * c - u.im()[k] * s;
            pi[k] = u.re()[k] * s + u.im()[k] * c;
        }
        String det = SpecialUnitary.check(new ComplexMatrix(3, pr, pi), 1e-6).orElseThrow();
        assertTrue(det.contains("not 1"), det);
        assertEquals(u, ComplexMatrix.fromRow(u.toRow()));
    }

    /**
     * SU(2) ≅ S³: a Haar draw's quaternion row is a unit vector, back to the same matrix, and uniform on S³ —
     * E[q_i²] = 1/4 and E[q_i⁴] = 3/(4·6) = 1/8 for each coordinate, within 5 standard errors of 40,000 draws.
     */
    @org.junit.jupiter.api.Test
    void su2RowsAreUniformUnitQuaternions() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(43);
        int count = 40_000;
        double[][] second = new double[4][count];
        double[][] fourth = new double[4][count];
        for (int k = 0; k < count; k++) {
            ComplexMatrix u = SpecialUnitary.haar(2, rng);
            double[] q = SpecialUnitary.toRow(u);
            org.junit.jupiter.api.Assertions.assertEquals(1.0, q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 1e-12);
            ComplexMatrix back = SpecialUnitary.fromRow(2, q);
            for (int i = 0; i < 4; i++) {
                org.junit.jupiter.api.Assertions.assertEquals(u.re()[i], back.re()[i], 1e-12);
                org.junit.jupiter.api.Assertions.assertEquals(u.im()[i], back.im()[i], 1e-12);
                second[i][k] = q[i] * q[i];
                fourth[i][k] = second[i][k] * second[i][k];
            }
        }
        for (int i = 0; i < 4; i++) {
            assertMean(0.25, second[i], "E[q" + i + "²]");
            assertMean(0.125, fourth[i], "E[q" + i + "⁴]");
        }
    }

    private static void assertMean(double expected, double[] x, String what) {
        double m = java.util.Arrays.stream(x).average().orElseThrow();
        double se = Math.sqrt(java.util.Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / (x.length - 1) / x.length);
        org.junit.jupiter.api.Assertions.assertEquals(expected, m, 5 * se, what);
    }
}
