package org.eqflow.core.target;

import java.util.SplittableRandom;

/**
 * Random-walk Metropolis sampling of an {@link UnnormalisedTarget}: the reference against which a flow trained
 * by reverse KL is compared where no exact sampler exists ({@link ParticleDoubleWell}). Seeded: the same
 * arguments give the same chain. Several independent chains, each burnt in, keep one state every
 * {@code thin} steps.
 *
 * @param samples    the kept states, {@code [chains · perChain][d]}
 * @param acceptance the fraction of proposals accepted
 */
public record Metropolis(double[][] samples, double acceptance) {

    /**
     * Runs {@code chains} chains, each started from {@code N(0, start² I)}, burnt in for {@code burnIn} steps, then
     * keeping {@code perChain} states {@code thin} steps apart.
     *
     * @param step the proposal's standard deviation per coordinate
     */
    public static Metropolis run(UnnormalisedTarget target, int chains, int perChain, int burnIn, int thin, double start,
                                 double step, long seed) {
        if (chains < 1 || perChain < 1 || burnIn < 0 || thin < 1 || !(step > 0) || !(start > 0)) {
            throw new IllegalArgumentException("Metropolis needs chains, perChain, thin >= 1, burnIn >= 0 and positive scales");
        }
        int d = target.dimension();
        double[][] out = new double[chains * perChain][];
        long accepted = 0;
        long proposed = 0;
        for (int c = 0; c < chains; c++) {
            SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (c + 1)));
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = start * gaussian(rng);
            }
            double e = target.energy(x);
            double[] y = new double[d];
            int kept = 0;
            for (long t = 0; kept < perChain; t++) {
                for (int i = 0; i < d; i++) {
                    y[i] = x[i] + step * gaussian(rng);
                }
                double ey = target.energy(y);
                boolean accept = ey <= e || rng.nextDouble() < Math.exp(e - ey);
                if (t >= burnIn) {
                    proposed++;
                    if (accept) {
                        accepted++;
                    }
                }
                if (accept) {
                    double[] swap = x;
                    x = y;
                    y = swap;
                    e = ey;
                }
                if (t >= burnIn && (t - burnIn + 1) % thin == 0) {
                    out[c * perChain + kept++] = x.clone();
                }
            }
        }
        return new Metropolis(out, proposed == 0 ? Double.NaN : accepted / (double) proposed);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
