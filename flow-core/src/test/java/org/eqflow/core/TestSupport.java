package org.eqflow.core;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small helpers shared by the tests. */
public final class TestSupport {
    private TestSupport() {
    }

    /** A {@code [rows, cols]} double array of N(0, scale²) draws. */
    public static INDArray gaussian(long seed, int rows, int cols, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE);
    }

    /** Rows of a double[][] as an INDArray. */
    public static INDArray rows(double[][] x) {
        return Nd4j.create(x).castTo(DataType.DOUBLE);
    }

    /** The gradient-check criterion of the project: {@code |a − n| ≤ rel·max(|a|,|n|) + abs}. */
    /**
     * The model with its biases moved off their initial values (Gaussian, scale 0.1, seeded), so that gradient and
     * parity checks do not sit at an initialisation's symmetric point.
     */
    public static org.eqflow.core.EquivariantHamiltonianFlow perturbBiases(org.eqflow.core.EquivariantHamiltonianFlow m) {
        long seed = 40;
        for (String name : m.parameterNames()) {
            INDArray p = m.graph().getVariable(name).getArr();
            if (name.matches(".*b\\d")) {
                p.addi(gaussian(seed++, 1, (int) p.length(), 0.1).reshape(p.shape()).castTo(p.dataType()));
            }
        }
        return m;
    }

    public static boolean close(double analytic, double numeric, double rel, double abs) {
        return Math.abs(analytic - numeric) <= rel * Math.max(Math.abs(analytic), Math.abs(numeric)) + abs;
    }

    /** Asserts that a page of docs/ quotes a test source file of flow-core verbatim (docs that compile and run). */
    public static void assertDocsQuote(String page, String sourceFile) {
        try {
            String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", page));
            String source = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/java", sourceFile));
            org.junit.jupiter.api.Assertions.assertTrue(doc.contains(source.strip()),
                    "docs/" + page + " must quote " + sourceFile + " verbatim");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The determinant of a small square matrix by Gaussian elimination with partial pivoting. */
    public static double determinant(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double det = 1;
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            if (pivot != c) {
                double[] t = m[pivot];
                m[pivot] = m[c];
                m[c] = t;
                det = -det;
            }
            det *= m[c][c];
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k < n; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        return det;
    }
}
