package org.eqflow.core.manifold;

import java.util.function.ToDoubleFunction;

/**
 * Integrals of class functions over SU(n) with the normalised Haar measure, by the Weyl integration formula:
 * <pre>
 *   ∫ f(U) dU = 1 / (n! (2π)^{n−1}) ∫_{[0,2π)^{n−1}} f(θ) |Δ(e^{iθ})|² dθ_1 … dθ_{n−1},
 *   θ_n = −(θ_1 + … + θ_{n−1}),   |Δ(e^{iθ})|² = Π_{j&lt;k} 4 sin²((θ_j − θ_k)/2),
 * </pre>
 * evaluated with the periodic trapezoid rule on an m^{n−1} grid: for the smooth periodic integrands of a
 * class function's exponential the error falls faster than any power of 1/m (Trefethen &amp; Weideman 2014).
 */
public final class WeylIntegral {
    /** Largest n: the grid has m^{n−1} points. */
    public static final int MAX_N = 4;

    private WeylIntegral() {
    }

    /**
     * The log-normaliser and expectations under a density {@code p ∝ exp(s)} of the normalised Haar measure.
     *
     * @param logNormaliser {@code log ∫ exp(s) dU}
     * @param expectations  {@code E_p[f_i]}, one per function asked for
     */
    public record Result(double logNormaliser, double[] expectations) {
    }

    /**
     * {@code log ∫ exp(s(θ)) dU} and {@code E_p[f_i]} for {@code p ∝ exp(s)}, on an m^{n−1} grid.
     *
     * @param n         the group SU(n), 2 to {@value #MAX_N}
     * @param m         grid points per angle (a multiple of n keeps the grid symmetric)
     * @param logWeight {@code s(θ)}, a class function of the n eigen-angles
     * @param functions the functions {@code f_i(θ)} to average
     * @return the log-normaliser and the averages
     */
    @SafeVarargs
    public static Result integrate(int n, int m, ToDoubleFunction<double[]> logWeight, ToDoubleFunction<double[]>... functions) {
        if (n < 2 || n > MAX_N) {
            throw new IllegalArgumentException("the Weyl quadrature handles SU(2) to SU(" + MAX_N + "), not SU(" + n + ")");
        }
        if (m < 4) {
            throw new IllegalArgumentException("the quadrature needs at least 4 points per angle, got " + m);
        }
        long points = 1;
        for (int k = 1; k < n; k++) {
            points *= m;
        }
        // One evaluation of the weights per grid point; the sums are taken relative to the largest log-weight.
        double[][] grid = new double[Math.toIntExact(points)][];
        double[] vandermonde = new double[grid.length];
        double[] logWeights = new double[grid.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int idx = 0; idx < grid.length; idx++) {
            double[] theta = new double[n];
            angles(idx, n, m, theta);
            grid[idx] = theta;
            vandermonde[idx] = vandermonde(theta);
            if (vandermonde[idx] > 0) {
                logWeights[idx] = logWeight.applyAsDouble(theta);
                max = Math.max(max, logWeights[idx]);
            }
        }
        double total = 0;
        double[] sums = new double[functions.length];
        for (int idx = 0; idx < grid.length; idx++) {
            if (vandermonde[idx] == 0) {
                continue;
            }
            double weight = vandermonde[idx] * Math.exp(logWeights[idx] - max);
            total += weight;
            for (int i = 0; i < functions.length; i++) {
                sums[i] += weight * functions[i].applyAsDouble(grid[idx]);
            }
        }
        double factorial = 1;
        for (int k = 2; k <= n; k++) {
            factorial *= k;
        }
        // Each grid cell has area (2π/m)^{n−1}; the measure's constant is 1 / (n! (2π)^{n−1}).
        double logCell = (n - 1) * Math.log(2 * Math.PI / m) - Math.log(factorial) - (n - 1) * Math.log(2 * Math.PI);
        double[] means = new double[functions.length];
        for (int i = 0; i < means.length; i++) {
            means[i] = sums[i] / total;
        }
        return new Result(max + Math.log(total) + logCell, means);
    }

    /** The grid point {@code idx}: θ_1 … θ_{n−1} on the grid, θ_n = −their sum. */
    private static void angles(long idx, int n, int m, double[] theta) {
        double sum = 0;
        long rest = idx;
        for (int k = 0; k < n - 1; k++) {
            theta[k] = 2 * Math.PI * (rest % m) / m;
            rest /= m;
            sum += theta[k];
        }
        theta[n - 1] = -sum;
    }

    /**
     * {@code |Δ(e^{iθ})|² = Π_{j<k} |e^{iθ_j} − e^{iθ_k}|² = Π_{j<k} 4 sin²((θ_j − θ_k)/2)}: the Weyl density of the
     * eigen-angles (up to its constant).
     *
     * @param theta the eigen-angles
     * @return the squared Vandermonde determinant
     */
    public static double vandermonde(double[] theta) {
        double w = 1;
        for (int j = 0; j < theta.length; j++) {
            for (int k = j + 1; k < theta.length; k++) {
                double s = Math.sin((theta[j] - theta[k]) / 2);
                w *= 4 * s * s;
            }
        }
        return w;
    }
}
