package org.eqflow.core.target;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * An equal-weight mixture of isotropic Gaussians {@code N(μ_k, σ² I)} in the plane: FFJORD's
 * {@code 8gaussians} (centres at radius 4/1.414 on the 8 compass directions, σ = 0.5/1.414) and
 * {@code grid:k,spacing,σ} (a k×k grid centred at the origin). Entropy by Monte Carlo.
 */
public record GaussianMixture(String spec, List<double[]> centres, double sigma) implements Target {

    /** The {@code 8gaussians} target. */
    public static GaussianMixture eightGaussians() {
        List<double[]> c = new ArrayList<>();
        double s = 1 / Math.sqrt(2);
        double[][] dirs = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}};
        for (double[] d : dirs) {
            c.add(new double[] {4 * d[0] / 1.414, 4 * d[1] / 1.414});
        }
        return new GaussianMixture("8gaussians", c, 0.5 / 1.414);
    }

    /** A k×k grid of Gaussians {@code spacing} apart, centred at the origin, each of standard deviation {@code sigma}. */
    public static GaussianMixture grid(int k, double spacing, double sigma) {
        if (k < 1 || !(spacing > 0) || !(sigma > 0)) {
            throw new IllegalArgumentException("grid needs k >= 1, spacing > 0 and sigma > 0, got " + k + "," + spacing + "," + sigma);
        }
        List<double[]> c = new ArrayList<>();
        double offset = (k - 1) * spacing / 2;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                c.add(new double[] {i * spacing - offset, j * spacing - offset});
            }
        }
        return new GaussianMixture(String.format(Locale.ROOT, "grid:%d,%s,%s", k, spacing, sigma), c, sigma);
    }

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double[] c = centres.get(rng.nextInt(centres.size()));
        return new double[] {c[0] + sigma * rng.nextGaussian(), c[1] + sigma * rng.nextGaussian()};
    }

    @Override
    public double logDensity(double[] x) {
        double[] terms = new double[centres.size()];
        for (int k = 0; k < terms.length; k++) {
            double dx = x[0] - centres.get(k)[0];
            double dy = x[1] - centres.get(k)[1];
            terms[k] = -(dx * dx + dy * dy) / (2 * sigma * sigma);
        }
        return Special.logSumExp(terms) - Math.log(terms.length) - Math.log(2 * Math.PI * sigma * sigma);
    }

    @Override
    public Entropy entropy() {
        return MonteCarlo.entropy(this);
    }
}
