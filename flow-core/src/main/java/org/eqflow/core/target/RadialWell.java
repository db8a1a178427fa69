package org.eqflow.core.target;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The unnormalised ring ({@code d = 2}) or shell ({@code d ≥ 3}) density {@code p̃(x) = exp(−(|x| − R)²/(2σ²))}:
 * the energy twin of the {@link Shell} target, invariant under SO(d). Its normaliser
 * {@code Z = S_{d−1} ∫₀^∞ r^{d−1} exp(−(r − R)²/(2σ²)) dr} ({@code S_{d−1}} the area of the unit sphere) is
 * computed by quadrature; for {@code d = 2} it is {@code 2πσ (R √(2π) Φ(R/σ) + σ e^{−R²/(2σ²)})} in closed form,
 * which the test holds the quadrature to.
 */
public final class RadialWell implements UnnormalisedTarget {
    private final int dimension;
    private final double radius;
    private final double width;
    private final double logZ;

    /**
     * @param dimension {@code d ≥ 2}
     * @param radius    {@code R ≥ 0}
     * @param width     {@code σ > 0}
     */
    public RadialWell(int dimension, double radius, double width) {
        if (dimension < 2 || dimension > 64) {
            throw new IllegalArgumentException("a radial well needs a dimension from 2 to 64, got " + dimension);
        }
        if (!(radius >= 0) || !Double.isFinite(radius) || !(width > 0) || !Double.isFinite(width)) {
            throw new IllegalArgumentException("a radial well needs a finite radius R >= 0 and width sigma > 0, got R = " + radius
                    + ", sigma = " + width);
        }
        this.dimension = dimension;
        this.radius = radius;
        this.width = width;
        this.logZ = logNormaliser(dimension, radius, width);
    }

    private static double logNormaliser(int d, double radius, double width) {
        double lo = Math.max(0, radius - 14 * width);
        double hi = radius + 14 * width;
        // the integrand scaled by its largest value, at the mode r* of r^{d−1} exp(−(r − R)²/2σ²)
        double mode = 0.5 * (radius + Math.sqrt(radius * radius + 4 * (d - 1) * width * width));
        double logPeak = (d - 1) * Math.log(mode) - sq(mode - radius) / (2 * width * width);
        Quadrature.Result r = Quadrature.simpson(x -> x <= 0 ? 0
                : Math.exp((d - 1) * Math.log(x) - sq(x - radius) / (2 * width * width) - logPeak), lo, hi, 20_000);
        double logSphere = Shells.logSphereArea(d);
        return logSphere + logPeak + Math.log(r.value());
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public double energy(double[] x) {
        return sq(norm(x) - radius) / (2 * width * width);
    }

    @Override
    public double energyAndGradient(double[] x, double[] gradient) {
        double r = norm(x);
        // at the origin the gradient has no direction; 0 is the symmetric choice (a set of measure zero)
        double f = r == 0 ? 0 : (r - radius) / (width * width * r);
        for (int i = 0; i < dimension; i++) {
            gradient[i] = f * x[i];
        }
        return sq(r - radius) / (2 * width * width);
    }

    @Override
    public OptionalDouble logNormaliser() {
        return OptionalDouble.of(logZ);
    }

    @Override
    public String symmetry() {
        return "so" + dimension;
    }

    @Override
    public String spec() {
        return dimension == 2 ? String.format(Locale.ROOT, "ring:%s,%s", num(radius), num(width))
                : String.format(Locale.ROOT, "shell:%d,%s,%s", dimension, num(radius), num(width));
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private double norm(double[] x) {
        if (x.length != dimension) {
            throw new IllegalArgumentException(spec() + " takes points of dimension " + dimension + ", got " + x.length);
        }
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static double sq(double v) {
        return v * v;
    }
}
