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

    /** The same density as one of {@link Shells}, which computes it (and draws the same numbers from a stream). */
    private Shells asShells() {
        return new Shells(dimension, new double[] {radius}, sigma);
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        return asShells().sample(rng);
    }

    @Override
    public double logDensity(double[] x) {
        return asShells().logDensity(x);
    }

    @Override
    public Entropy entropy() {
        return asShells().entropy();
    }

    @Override
    public String spec() {
        return dimension == 2 ? String.format(Locale.ROOT, "ring:%s,%s", radius, sigma)
                : String.format(Locale.ROOT, "shell:%d,%s,%s", dimension, radius, sigma);
    }
}
