package org.eqflow.core.target;

import java.util.SplittableRandom;

/**
 * FFJORD's {@code moons}: scikit-learn's two interleaved half circles with noise 0.1, mapped by
 * {@code 2x + (−1, −0.2)}. As a continuous density: an equal mixture of two arcs of radius 2, each
 * blurred by {@code N(0, 0.2² I)}; the density integrates the Gaussian along each arc by composite
 * Simpson quadrature in the arc parameter (1,024 panels: the kernel width 0.2 spans about 33 of them),
 * and the entropy is estimated by Monte Carlo.
 */
public record Moons() implements Target {
    private static final double NOISE = 0.2;
    private static final int PANELS = 1024;

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double t = Math.PI * rng.nextDouble();
        double[] c = rng.nextBoolean() ? outer(t) : inner(t);
        return new double[] {c[0] + NOISE * rng.nextGaussian(), c[1] + NOISE * rng.nextGaussian()};
    }

    @Override
    public double logDensity(double[] x) {
        double h = Math.PI / PANELS;
        double[] terms = new double[2 * (PANELS + 1)];
        double logWeightBase = Math.log(h / 3) - Math.log(Math.PI) - Math.log(2) - Math.log(2 * Math.PI * NOISE * NOISE);
        int n = 0;
        for (int arc = 0; arc < 2; arc++) {
            for (int i = 0; i <= PANELS; i++) {
                double t = i * h;
                double[] c = arc == 0 ? outer(t) : inner(t);
                double dx = x[0] - c[0];
                double dy = x[1] - c[1];
                double w = i == 0 || i == PANELS ? 1 : i % 2 == 1 ? 4 : 2;
                terms[n++] = Math.log(w) - (dx * dx + dy * dy) / (2 * NOISE * NOISE);
            }
        }
        return Special.logSumExp(terms) + logWeightBase;
    }

    @Override
    public Entropy entropy() {
        return MonteCarlo.entropy(this);
    }

    @Override
    public String spec() {
        return "moons";
    }

    private static double[] outer(double t) {
        return new double[] {2 * Math.cos(t) - 1, 2 * Math.sin(t) - 0.2};
    }

    private static double[] inner(double t) {
        return new double[] {2 * (1 - Math.cos(t)) - 1, 2 * (1 - Math.sin(t) - 0.5) - 0.2};
    }
}
