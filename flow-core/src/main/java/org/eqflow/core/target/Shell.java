package org.eqflow.core.target;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A radial shell in {@code R^d}: radius {@code r ~ N(R, σ²)} truncated to {@code r > 0}, direction uniform
 * on the sphere. SO(d)-invariant by construction. Density {@code p(x) = p_r(|x|) / (|S^{d−1}| |x|^{d−1})},
 * entropy {@code H = H(r) + log|S^{d−1}| + (d−1) E[log r]} by quadrature. {@code ring:R,σ} is the case d = 2.
 */
public record Shell(int dimension, double radius, double sigma) implements Target {
    public Shell {
        if (dimension < 2) {
            throw new IllegalArgumentException("a shell needs dimension >= 2, got " + dimension);
        }
        if (!(radius > 0) || !(sigma > 0) || !Double.isFinite(radius) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("a shell needs radius > 0 and sigma > 0, got " + radius + "," + sigma);
        }
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double r;
        do {
            r = radius + sigma * rng.nextGaussian();
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
        return logRadial(r) - logSphereArea() - (dimension - 1) * Math.log(r);
    }

    @Override
    public Entropy entropy() {
        double lo = Math.max(1e-12, radius - 14 * sigma);
        double hi = radius + 14 * sigma;
        Quadrature.Result h = Quadrature.simpson(r -> {
            double lp = logRadial(r);
            double p = Math.exp(lp);
            return p == 0 ? 0 : -p * (lp - (dimension - 1) * Math.log(r));
        }, lo, hi, 8192);
        return new Entropy(h.value() + logSphereArea(), h.errorBound() + 1e-12);
    }

    @Override
    public String spec() {
        return dimension == 2 ? String.format(Locale.ROOT, "ring:%s,%s", radius, sigma)
                : String.format(Locale.ROOT, "shell:%d,%s,%s", dimension, radius, sigma);
    }

    private double logRadial(double r) {
        double z = (r - radius) / sigma;
        return -0.5 * z * z - Math.log(sigma * Math.sqrt(2 * Math.PI)) - logMassPositive();
    }

    /** log P(N(R, σ²) > 0): zero to double precision unless the shell nearly reaches the origin. */
    private double logMassPositive() {
        double z = radius / sigma;
        return z > 8 ? 0.0 : Math.log(1 - 0.5 * Special.erfc(z / Math.sqrt(2)));
    }

    /** log of the area of the unit sphere S^{d−1}: log(2 π^{d/2} / Γ(d/2)). */
    private double logSphereArea() {
        return Math.log(2) + 0.5 * dimension * Math.log(Math.PI) - Special.logGamma(0.5 * dimension);
    }
}
