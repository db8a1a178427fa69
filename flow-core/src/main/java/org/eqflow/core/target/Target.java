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

    /**
     * The number of context values of a conditional target {@code p(x | c)} (0: unconditional). Its rows are then
     * {@code [x | c]}, {@link #dimension()} + this many values: {@link #sample} draws the context with the point and
     * {@link #logDensity} is {@code log p(x | c)}, {@link #entropy()} the conditional entropy {@code E_c H(x | c)}.
     */
    default int contextSize() {
        return 0;
    }

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
