package org.eqflow.core.target;

import java.util.SplittableRandom;

/**
 * FFJORD's {@code checkerboard}: uniform on the 8 black squares (side 2) of a 4×4 board on
 * {@code [−4, 4]²}. {@code log p = −log 32} on the support and {@code −∞} off it; entropy {@code log 32}.
 */
public record Checkerboard() implements Target {

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double x1 = rng.nextDouble() * 4 - 2;
        double x2 = rng.nextDouble() - rng.nextInt(2) * 2 + Math.floorMod((long) Math.floor(x1), 2);
        return new double[] {x1 * 2, x2 * 2};
    }

    @Override
    public double logDensity(double[] x) {
        double a = x[0] / 2;
        double b = x[1] / 2;
        if (a < -2 || a >= 2 || b < -2 || b >= 2) {
            return Double.NEGATIVE_INFINITY;
        }
        boolean black = Math.floorMod((long) Math.floor(a) + (long) Math.floor(b), 2) == 0;
        return black ? -Math.log(32) : Double.NEGATIVE_INFINITY;
    }

    @Override
    public Entropy entropy() {
        return new Entropy(Math.log(32), 0);
    }

    @Override
    public String spec() {
        return "checkerboard";
    }
}
