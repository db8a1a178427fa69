package org.eqflow.core.target;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Concentric shells in {@code R^d}, equally weighted: radius {@code r ~ (1/k) Σ_j N(R_j, σ²)} truncated to
 * {@code r > 0}, direction uniform on the sphere; SO(d)-invariant, with one mode in radius per shell. Density
 * {@code p(x) = p_r(|x|) / (|S^{d−1}| |x|^{d−1})}; entropy {@code H = −∫ p_r(r) log(p_r(r) / r^{d−1}) dr + log|S^{d−1}|}
 * by quadrature. {@code shells:3,1,2.5,0.15} is two shells in 3-D, radii 1 and 2.5, width 0.15.
 */
public record Shells(int dimension, double[] radii, double sigma) implements Target {
    public Shells {
        if (dimension < 2) {
            throw new IllegalArgumentException("shells need dimension >= 2, got " + dimension);
        }
        if (radii.length < 1) {
            throw new IllegalArgumentException("shells need at least one radius");
        }
        for (double r : radii) {
            if (!(r > 0) || !Double.isFinite(r)) {
                throw new IllegalArgumentException("every shell radius must be finite and > 0, got " + r);
            }
        }
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("shells need a finite width sigma > 0, got " + sigma);
        }
        radii = radii.clone();
    }

    @Override
    public double[] radii() {
        return radii.clone();
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double r;
        do {
            r = (radii.length == 1 ? radii[0] : radii[rng.nextInt(radii.length)]) + sigma * rng.nextGaussian();
        } while (r <= 0);
        double[] u = new double[dimension];
        double n2 = 0;
        while (n2 == 0) {
            n2 = 0;
            for (int i = 0; i < dimension; i++) {
                u[i] = rng.nextGaussian();
                n2 += u[i] * u[i];
            }
        }
        double scale = r / Math.sqrt(n2);
        for (int i = 0; i < dimension; i++) {
            u[i] *= scale;
        }
        return u;
    }

    @Override
    public double logDensity(double[] x) {
        double n2 = 0;
        for (double v : x) {
            n2 += v * v;
        }
        double r = Math.sqrt(n2);
        if (r == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return logRadial(r) - logSphereArea(dimension) - (dimension - 1) * Math.log(r);
    }

    @Override
    public Entropy entropy() {
        double lo = Math.max(1e-12, Arrays.stream(radii).min().orElseThrow() - 14 * sigma);
        double hi = Arrays.stream(radii).max().orElseThrow() + 14 * sigma;
        Quadrature.Result h = Quadrature.simpson(r -> {
            double lp = logRadial(r);
            double p = Math.exp(lp);
            return p == 0 ? 0 : -p * (lp - (dimension - 1) * Math.log(r));
        }, lo, hi, 16384);
        return new Entropy(h.value() + logSphereArea(dimension), h.errorBound() + 1e-12);
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "shells:%d,%s,%s", dimension,
                Arrays.stream(radii).mapToObj(r -> String.format(Locale.ROOT, "%s", r)).collect(Collectors.joining(",")), sigma);
    }

    /** The radial density's log, {@code log p_r(r)}: a log-sum-exp over the shells. */
    double logRadial(double r) {
        double max = Double.NEGATIVE_INFINITY;
        double[] terms = new double[radii.length];
        for (int j = 0; j < radii.length; j++) {
            double z = (r - radii[j]) / sigma;
            terms[j] = -0.5 * z * z;
            max = Math.max(max, terms[j]);
        }
        double s = 0;
        for (double t : terms) {
            s += Math.exp(t - max);
        }
        return max + Math.log(s / radii.length) - Math.log(sigma * Math.sqrt(2 * Math.PI)) - logMassPositive();
    }

    /** log P(r > 0) of the untruncated mixture: zero to double precision unless a shell nearly reaches the origin. */
    private double logMassPositive() {
        double m = 0;
        for (double radius : radii) {
            double z = radius / sigma;
            m += z > 8 ? 1.0 : 1 - 0.5 * Special.erfc(z / Math.sqrt(2));
        }
        return Math.log(m / radii.length);
    }

    /** log of the area of the unit sphere S^{d−1}: log(2 π^{d/2} / Γ(d/2)). */
    static double logSphereArea(int d) {
        return Math.log(2) + 0.5 * d * Math.log(Math.PI) - Special.logGamma(0.5 * d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shells s && s.dimension == dimension && Arrays.equals(s.radii, radii) && s.sigma == sigma;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dimension + Arrays.hashCode(radii)) + Double.hashCode(sigma);
    }

    @Override
    public String toString() {
        return spec();
    }
}
