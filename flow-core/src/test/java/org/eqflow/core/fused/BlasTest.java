package org.eqflow.core.fused;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link Blas#gemm} against a triple loop in double, for every transpose pair and both {@code beta}s, in both
 * precisions; with nd4j-native on the test class path the products go straight into OpenBLAS ({@link NativeGemm}).
 * Held weights: a product reads the copy written by the last refresh, and a change without one is caught.
 */
class BlasTest {

    @ParameterizedTest(name = "{0}, transA {1}, transB {2}, beta {3}")
    @CsvSource({
        "FLOAT, false, false, 0", "FLOAT, false, true, 1", "FLOAT, true, false, 1", "FLOAT, true, true, 0",
        "DOUBLE, false, false, 1", "DOUBLE, false, true, 0", "DOUBLE, true, false, 0", "DOUBLE, true, true, 1"})
    void productsMatchATripleLoop(DataType type, boolean transA, boolean transB, double beta) {
        assertTrue(NativeGemm.AVAILABLE, "the CPU backend's OpenBLAS is on the test class path");
        int m = 37;
        int n = 5;
        int k = 130;
        Random random = new Random(7);
        Dense a = random(transA ? k : m, transA ? m : k, random);
        Dense b = random(transB ? n : k, transB ? k : n, random);
        Dense c = random(m, n, random);
        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    double x = transA ? a.v[l * m + i] : a.v[i * k + l];
                    double y = transB ? b.v[j * k + l] : b.v[l * n + j];
                    sum += x * y;
                }
                expected[i * n + j] = 0.5 * sum + beta * c.v[i * n + j];
            }
        }
        new Blas(type).gemm(a, transA, b, transB, c, 0.5, beta);
        double tolerance = type == DataType.FLOAT ? 1e-4 : 1e-12;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], c.v[i], tolerance * Math.max(1, Math.abs(expected[i])), "entry " + i);
        }
    }

    @Test
    void heldWeightsAreReadAsLastRefreshed() {
        Random random = new Random(11);
        Dense x = random(6, 4, random);
        Dense w = random(4, 3, random);
        Blas blas = new Blas(DataType.DOUBLE);
        blas.hold(w);
        blas.refreshHeld();
        long epoch = blas.epoch();
        Dense before = new Dense(6, 3);
        blas.gemm(x, false, w, false, before, 1, 0);
        Dense expected = new Dense(6, 3);
        new Blas(DataType.DOUBLE).gemm(x, false, w, false, expected, 1, 0);
        assertEquals(java.util.Arrays.toString(expected.v), java.util.Arrays.toString(before.v));

        w.v[5] += 1.0;  // changed without a refresh: the engine's tests run with assertions on, which catch it
        assertThrows(AssertionError.class, () -> blas.gemm(x, false, w, false, new Dense(6, 3), 1, 0));
        blas.refreshHeld();
        assertEquals(epoch + 1, blas.epoch(), "a refresh moves the epoch the kernels re-derive at");
        Dense after = new Dense(6, 3);
        blas.gemm(x, false, w, false, after, 1, 0);
        new Blas(DataType.DOUBLE).gemm(x, false, w, false, expected, 1, 0);
        assertEquals(java.util.Arrays.toString(expected.v), java.util.Arrays.toString(after.v));

        DenseF derived = new DenseF(3, 4);  // float32 models only
        derived.v[2] = 2f;
        Dense product = new Dense(6, 3);
        Blas f = new Blas(DataType.FLOAT);
        f.holdDerived(derived);
        f.refresh(derived);
        Dense xs = random(6, 4, random);
        f.gemm(xs, false, derived, true, product, 1, 0);
        assertEquals(2 * (float) xs.v[2], product.v[0], 1e-6, "the derived value's refreshed copy");
        assertThrows(IllegalStateException.class, () -> f.refresh(new DenseF(1, 1)), "only held values are refreshed");
    }

    private static Dense random(int rows, int cols, Random random) {
        Dense d = new Dense(rows, cols);
        for (int i = 0; i < d.v.length; i++) {
            d.v[i] = random.nextGaussian();
        }
        return d;
    }
}
