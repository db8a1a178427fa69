package org.eqflow.core.finite;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Holds weight matrices to spectral norm {@code ≤ c} by projection: after each update, the largest singular
 * value {@code σ} of each matrix is found by power iteration (warm-started from the previous update's singular
 * vector, so usually two or three iterations) and a matrix with {@code σ > c} is scaled by {@code c/σ}.
 *
 * <p>Projection rather than reparametrisation ({@code W = V·c/σ(V)} in the graph, as Behrmann et al.): the graph
 * then uses the weights as they are, the bound holds exactly (to the power iteration's tolerance) after every
 * update, and Adam sees ordinary parameters. Power iteration approaches {@code σ} from below; it runs until
 * the estimate changes by less than {@value #TOLERANCE} relatively.
 */
final class SpectralNorm {
    static final double TOLERANCE = 1e-12;
    static final int MAX_ITERATIONS = 2000;

    private final double bound;
    private final Map<String, double[]> vectors = new HashMap<>();
    private final SplittableRandom rng;

    SpectralNorm(double bound, long seed) {
        this.bound = bound;
        this.rng = new SplittableRandom(seed);
    }

    /** The power iteration's current right singular vectors by weight name (saved, so that a restored flow continues exactly). */
    Map<String, double[]> vectors() {
        Map<String, double[]> out = new java.util.TreeMap<>();
        vectors.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** Continues from saved singular vectors. */
    void restore(Map<String, double[]> saved) {
        saved.forEach((k, v) -> vectors.put(k, v.clone()));
    }

    /** Scales {@code w} (in place) to spectral norm {@code ≤ bound}; returns its spectral norm before. */
    double project(String name, INDArray w) {
        double sigma = largestSingularValue(name, w);
        if (sigma > bound) {
            w.muli(bound / sigma);
        }
        return sigma;
    }

    /** {@code σ_max(w)} by power iteration on {@code wᵀw}, keeping the right singular vector for the next call. */
    double largestSingularValue(String name, INDArray w) {
        int rows = (int) w.rows();
        int cols = (int) w.columns();
        double[] a = w.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] v = vectors.computeIfAbsent(name, k -> random(cols));
        double[] u = new double[rows];
        double sigma = 0;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += a[i * cols + j] * v[j];
                }
                u[i] = s;
            }
            double next = norm(u);
            if (next == 0) {
                v = random(cols);
                vectors.put(name, v);
                continue;
            }
            java.util.Arrays.fill(v, 0);
            for (int i = 0; i < rows; i++) {
                double ui = u[i] / next;
                for (int j = 0; j < cols; j++) {
                    v[j] += a[i * cols + j] * ui;
                }
            }
            double back = norm(v);
            for (int j = 0; j < cols; j++) {
                v[j] /= back;
            }
            // |W v| ≤ |Wᵀ u| for unit u, v: back is the better (still lower) estimate.
            boolean done = Math.abs(back - sigma) <= TOLERANCE * back;
            sigma = back;
            if (done) {
                break;
            }
        }
        return sigma;
    }

    private double[] random(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        double s = norm(v);
        for (int i = 0; i < n; i++) {
            v[i] /= s;
        }
        return v;
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
