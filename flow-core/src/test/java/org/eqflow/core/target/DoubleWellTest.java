package org.eqflow.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The particle target against exact oracles: for two particles the normaliser and the entropy reduce to
 * one-dimensional integrals (centre of mass and separation decouple), and the sampler's chains agree with
 * chains four times longer for four particles.
 */
class DoubleWellTest {
    private static final double S2 = DoubleWell.TRAP * DoubleWell.TRAP;

    /**
     * With {@code R = (x₁ + x₂)/2} and {@code r = x₁ − x₂} (unit Jacobian), {@code |x₁|² + |x₂|² = 2|R|² + |r|²/2}, so
     * {@code Z = πσ² · 2π ∫ ρ exp(−ρ²/4σ² − u(ρ)) dρ} and {@code H = log Z + 1 + E[ρ²/4σ² + u(ρ)]}.
     */
    @Test
    void twoParticlesMatchTheExactNormaliserAndEntropy() {
        DoubleWell t = new DoubleWell(2);
        Quadrature.Result mass = Quadrature.simpson(r -> r * radial(r), 0, 20, 40_000);
        Quadrature.Result moment = Quadrature.simpson(r -> r * radial(r) * (r * r / (4 * S2) + DoubleWell.pair(r)), 0, 20, 40_000);
        double logZ = Math.log(Math.PI * S2) + Math.log(2 * Math.PI * mass.value());
        double entropy = logZ + 1 + moment.value() / mass.value();

        double[] z = t.normaliser();
        assertTrue(z[1] < 0.01, "the normaliser's standard error " + z[1]);
        assertEquals(logZ, z[0], 4 * z[1] + 1e-9, "log Z by annealed importance sampling");
        Target.Entropy h = t.entropy();
        assertTrue(h.errorBound() < 0.05, "entropy bound " + h.errorBound());
        assertEquals(entropy, h.nats(), h.errorBound(), "entropy");
    }

    private static double radial(double r) {
        return Math.exp(-r * r / (4 * S2) - DoubleWell.pair(r));
    }

    /** The sampler's chains against chains four times as long: mean energy and the fraction of pairs in the near well. */
    @Test
    void fourParticleChainsHaveForgottenTheirStart() {
        DoubleWell t = (DoubleWell) Targets.parse("doublewell");
        assertEquals(8, t.dimension());
        double[] usual = statistics(t, t.sample(6000, new SplittableRandom(1)));
        SplittableRandom rng = new SplittableRandom(2);
        double[][] longer = new double[6000][];
        for (int i = 0; i < longer.length; i++) {
            longer[i] = t.chain(rng, 800, 3200);
        }
        double[] reference = statistics(t, longer);
        for (int s = 0; s < 2; s++) {
            double se = Math.sqrt(usual[2 + s] * usual[2 + s] + reference[2 + s] * reference[2 + s]);
            assertEquals(reference[s], usual[s], 4 * se, "statistic " + s);
        }
        assertTrue(reference[1] > 0.2 && reference[1] < 0.8, "both wells are populated: " + reference[1]);
    }

    /** {mean energy, fraction of pair distances below r₀, and their standard errors}. */
    private static double[] statistics(DoubleWell t, double[][] xs) {
        double e = 0;
        double e2 = 0;
        double f = 0;
        double f2 = 0;
        for (double[] x : xs) {
            double v = t.energy(x);
            e += v;
            e2 += v * v;
            int near = 0;
            int pairs = 0;
            for (int i = 0; i < 4; i++) {
                for (int j = i + 1; j < 4; j++) {
                    near += Math.hypot(x[2 * i] - x[2 * j], x[2 * i + 1] - x[2 * j + 1]) < DoubleWell.CENTRE ? 1 : 0;
                    pairs++;
                }
            }
            double q = (double) near / pairs;
            f += q;
            f2 += q * q;
        }
        int n = xs.length;
        e /= n;
        f /= n;
        return new double[] {e, f, Math.sqrt((e2 / n - e * e) / n), Math.sqrt((f2 / n - f * f) / n)};
    }

    @Test
    void theDensityIsInvariantUnderRotationsReflectionsAndPermutations() {
        DoubleWell t = new DoubleWell(4);
        double[] x = t.sample(new SplittableRandom(5));
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        double[] moved = new double[8];
        int[] perm = {2, 0, 3, 1};
        for (int i = 0; i < 4; i++) {
            double px = x[2 * perm[i]];
            double py = -x[2 * perm[i] + 1];
            moved[2 * i] = c * px - s * py;
            moved[2 * i + 1] = s * px + c * py;
        }
        assertEquals(t.logDensity(x), t.logDensity(moved), 1e-10);
    }

    @Test
    void badSpecificationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("doublewell:1"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("doublewell:2.5"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("doublewell:4,1"));
    }
}
