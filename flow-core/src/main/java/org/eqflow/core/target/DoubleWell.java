package org.eqflow.core.target;

import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.eqflow.core.objective.Iwae;

/**
 * {@code k} particles in the plane (rows {@code (x_1, y_1, …, x_k, y_k)}, {@code d = 2k}) held by a harmonic
 * trap and interacting through a pairwise double well in their distance:
 * <pre>
 *   E(x) = Σ_i |x_i|² / (2σ²) + Σ_{i&lt;j} u(|x_i − x_j|),     u(r) = h ((r − r₀)²/δ² − 1)²,
 *   p(x) = exp(−E(x)) / Z
 * </pre>
 * with σ = 1.5, r₀ = 2, δ = 0.75 and barrier h = 3: every pair sits near distance 1.25 or 2.75, with a barrier
 * of 3 nats between, and close approach is strongly repelled ({@code u(0) ≈ 112}). The density is invariant
 * under rotations and reflections of the plane acting on every particle alike and under every permutation
 * of the particles ({@code O(2) × S_k}); the trap makes it normalisable.
 *
 * <p>Sampling: each draw is its own seeded Metropolis chain, started from the trap's Gaussian, annealed
 * over {@value #ANNEAL_SWEEPS} sweeps from the trap alone to the full energy, then run {@value #EQUILIBRATE_SWEEPS}
 * sweeps at the full energy; draws are independent. {@code DoubleWellTest} holds these chains to chains four
 * times longer. Normaliser: annealed importance sampling from the trap ({@value #AIS_CHAINS} chains,
 * {@value #AIS_TEMPERATURES} temperatures), with its standard error by the delta method; for {@code k = 2}
 * the test holds it to the exact value by one-dimensional quadrature. Entropy
 * {@code H = log Z + E[E(x)]} with both errors combined.
 */
public final class DoubleWell implements Target {
    /** Trap width σ. */
    public static final double TRAP = 1.5;
    /** Centre r₀ of the double well in the pair distance. */
    public static final double CENTRE = 2.0;
    /** Half the distance δ between the two wells. */
    public static final double HALF_WIDTH = 0.75;
    /** Barrier height h between the wells, in nats. */
    public static final double BARRIER = 3.0;
    /** The largest number of particles. */
    public static final int MAX_PARTICLES = 16;
    static final int ANNEAL_SWEEPS = 200;
    static final int EQUILIBRATE_SWEEPS = 800;
    static final int AIS_CHAINS = 4000;
    static final int AIS_TEMPERATURES = 2000;
    static final int ENTROPY_DRAWS = 20_000;
    private static final double STEP = 0.5;
    private static final Map<Integer, Target.Entropy> ENTROPIES = new ConcurrentHashMap<>();
    private static final Map<Integer, double[]> NORMALISERS = new ConcurrentHashMap<>();

    private final int particles;

    /** The target of {@code particles} particles (2 to 16). */
    public DoubleWell(int particles) {
        if (particles < 2 || particles > MAX_PARTICLES) {
            throw new IllegalArgumentException("doublewell takes 2 to " + MAX_PARTICLES + " particles, got " + particles);
        }
        this.particles = particles;
    }

    /** The number of particles K (d = 2K). */
    public int particles() {
        return particles;
    }

    @Override
    public int dimension() {
        return 2 * particles;
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "doublewell:%d", particles);
    }

    /** The pair potential {@code u(r)}. */
    public static double pair(double r) {
        double s = (r - CENTRE) / HALF_WIDTH;
        double w = s * s - 1;
        return BARRIER * w * w;
    }

    /** {@code E(x)}. */
    public double energy(double[] x) {
        return trap(x) + pairs(x);
    }

    private static double trap(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return s / (2 * TRAP * TRAP);
    }

    private double pairs(double[] x) {
        double s = 0;
        for (int i = 0; i < particles; i++) {
            for (int j = i + 1; j < particles; j++) {
                s += pair(distance(x, i, j));
            }
        }
        return s;
    }

    /** The pair energy of particle {@code i} with all others. */
    private double pairsOf(double[] x, int i) {
        double s = 0;
        for (int j = 0; j < particles; j++) {
            if (j != i) {
                s += pair(distance(x, i, j));
            }
        }
        return s;
    }

    private static double distance(double[] x, int i, int j) {
        double dx = x[2 * i] - x[2 * j];
        double dy = x[2 * i + 1] - x[2 * j + 1];
        return Math.sqrt(dx * dx + dy * dy);
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        return chain(rng, ANNEAL_SWEEPS, EQUILIBRATE_SWEEPS);
    }

    /** One chain: a trap draw, annealed over {@code anneal} sweeps, then {@code equilibrate} sweeps at the full energy. */
    double[] chain(SplittableRandom rng, int anneal, int equilibrate) {
        double[] x = trapDraw(rng);
        for (int t = 1; t <= anneal; t++) {
            sweep(x, (double) t / anneal, rng);
        }
        for (int t = 0; t < equilibrate; t++) {
            sweep(x, 1.0, rng);
        }
        return x;
    }

    private double[] trapDraw(SplittableRandom rng) {
        double[] x = new double[2 * particles];
        for (int i = 0; i < x.length; i++) {
            x[i] = TRAP * rng.nextGaussian();
        }
        return x;
    }

    /** One Metropolis sweep (each particle moved once) at {@code exp(−trap − β · pairs)}. */
    private void sweep(double[] x, double beta, SplittableRandom rng) {
        for (int i = 0; i < particles; i++) {
            double ox = x[2 * i];
            double oy = x[2 * i + 1];
            double before = (ox * ox + oy * oy) / (2 * TRAP * TRAP) + beta * pairsOf(x, i);
            x[2 * i] = ox + STEP * rng.nextGaussian();
            x[2 * i + 1] = oy + STEP * rng.nextGaussian();
            double after = (x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1]) / (2 * TRAP * TRAP) + beta * pairsOf(x, i);
            if (!(Math.log(rng.nextDouble()) < before - after)) {
                x[2 * i] = ox;
                x[2 * i + 1] = oy;
            }
        }
    }

    @Override
    public double logDensity(double[] x) {
        return -energy(x) - normaliser()[0];
    }

    /**
     * {@code {log Z, its standard error}} by annealed importance sampling from the trap
     * ({@code log Z₀ = k log(2πσ²)}), seeded, computed once per particle count.
     */
    public double[] normaliser() {
        return NORMALISERS.computeIfAbsent(particles, k -> annealedImportanceSampling(AIS_CHAINS, AIS_TEMPERATURES, 0xA15L));
    }

    double[] annealedImportanceSampling(int chains, int temperatures, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] logW = new double[chains];
        for (int c = 0; c < chains; c++) {
            double[] x = trapDraw(rng);
            double w = 0;
            for (int t = 1; t <= temperatures; t++) {
                w -= pairs(x) / temperatures;
                sweep(x, (double) t / temperatures, rng);
            }
            logW[c] = w;
        }
        // the same reduction as an importance-sampling estimate: log-mean-exp and its delta-method standard error
        Iwae.Estimate mean = Iwae.estimate(logW);
        double logZ0 = particles * Math.log(2 * Math.PI * TRAP * TRAP);
        return new double[] {logZ0 + mean.logDensity(), mean.standardError()};
    }

    /** {@code log Z + E[E(x)]}; the bound is four combined standard errors (the normaliser's and the mean energy's). */
    @Override
    public Entropy entropy() {
        return ENTROPIES.computeIfAbsent(particles, k -> {
            SplittableRandom rng = new SplittableRandom(0xE17);
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < ENTROPY_DRAWS; i++) {
                double e = energy(sample(rng));
                sum += e;
                sumSq += e * e;
            }
            double mean = sum / ENTROPY_DRAWS;
            double varMean = Math.max(0, sumSq / ENTROPY_DRAWS - mean * mean) / ENTROPY_DRAWS;
            double[] z = normaliser();
            return new Entropy(z[0] + mean, 4 * Math.sqrt(varMean + z[1] * z[1]));
        });
    }
}
