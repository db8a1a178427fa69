package org.eqflow.core.target;

import java.util.SplittableRandom;

/**
 * A target distribution with a seeded sampler and a known log-density, so that the best achievable
 * negative log-likelihood, its entropy {@code H(p)}, is known: a held-out NLL can never lie below it
 * beyond its standard error. Sampling is exact, or (for an energy without an exact sampler,
 * {@link DoubleWell}) an independent Markov chain per draw held by tests to longer chains; a normaliser
 * that is estimated carries its error into {@link #entropy()}'s bound.
 */
public interface Target {

    /** The data dimension. */
    int dimension();

    /** One draw. */
    double[] sample(SplittableRandom rng);

    /** {@code log p(x)} (may be {@code −∞} off the support). */
    double logDensity(double[] x);

    /** The differential entropy {@code H(p)} in nats, with its numerical error bound. */
    Entropy entropy();

    /** The specification string, e.g. {@code ring:2,0.2}. */
    String spec();

    /** {@code n} draws as rows. */
    default double[][] sample(int n, SplittableRandom rng) {
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = sample(rng);
        }
        return out;
    }

    /** An entropy value and a bound on its numerical error. */
    record Entropy(double nats, double errorBound) {
    }
}
