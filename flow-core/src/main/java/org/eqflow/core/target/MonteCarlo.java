package org.eqflow.core.target;

import java.util.SplittableRandom;

/** Monte Carlo entropy {@code −E[log p(x)]} with a bound of four standard errors (seeded, 200,000 draws). */
final class MonteCarlo {
    private static final int DRAWS = 200_000;

    private MonteCarlo() {
    }

    static Target.Entropy entropy(Target t) {
        SplittableRandom rng = new SplittableRandom(0xE17);
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < DRAWS; i++) {
            double v = -t.logDensity(t.sample(rng));
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / DRAWS;
        double var = Math.max(0, sumSq / DRAWS - mean * mean);
        return new Target.Entropy(mean, 4 * Math.sqrt(var / DRAWS));
    }
}
