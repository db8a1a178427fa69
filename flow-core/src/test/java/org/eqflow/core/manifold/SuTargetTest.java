package org.eqflow.core.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SU(n) targets' quadrature against exact values and against Haar Monte Carlo. */
class SuTargetTest {

    /** ∫_{SU(2)} exp(a tr U) dU = I_1(2a) / a: the SU(2) target with β/2 · c_1 = a. */
    @Test
    void su2NormaliserIsTheBesselOracle() {
        for (double a : new double[] {0.3, 1.0, 4.5}) {
            SuTarget t = new SuTarget("su2:test", 2, 2 * a, new double[] {1});
            assertEquals(Math.log(besselI1(2 * a) / a), t.logNormaliser(), 1e-12, "a = " + a);
        }
    }

    /** Haar measure integrates to 1, and E|tr U|² = 1, E|tr U|⁴ = 2 on SU(3), to round-off. */
    @Test
    void weylQuadratureIsExactForHaarMoments() {
        WeylIntegral.Result r = WeylIntegral.integrate(3, 96, theta -> 0.0, theta -> abs2Trace(theta), theta -> {
            double a = abs2Trace(theta);
            return a * a;
        });
        assertEquals(0.0, r.logNormaliser(), 1e-13);
        assertEquals(1.0, r.expectations()[0], 1e-12);
        assertEquals(2.0, r.expectations()[1], 1e-12);
    }

    private static double abs2Trace(double[] theta) {
        double re = 0;
        double im = 0;
        for (double t : theta) {
            re += Math.cos(t);
            im += Math.sin(t);
        }
        return re * re + im * im;
    }

    /**
     * The quadrature's log Z and E[Re tr U] against importance sampling with Haar draws (100,000 draws, 5 standard
     * errors), and the Haar proposal's ESS against the published reference points 0.104, 0.144, 0.029.
     */
    @Test
    void boydaTargetsAgreeWithHaarMonteCarlo() {
        double[] referenceEss = {0.104, 0.144, 0.029};
        for (int b = 1; b <= 3; b++) {
            SuTarget t = SuTarget.parse("su3:boyda" + b);
            SplittableRandom rng = new SplittableRandom(10 + b);
            int draws = 100_000;
            double[] s = new double[draws];
            double[] trace = new double[draws];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < draws; i++) {
                ComplexMatrix u = SpecialUnitary.haar(3, rng);
                s[i] = t.action(u);
                trace[i] = u.trace()[0];
                max = Math.max(max, s[i]);
            }
            double sw = 0;
            double sw2 = 0;
            double swt = 0;
            for (int i = 0; i < draws; i++) {
                double w = Math.exp(s[i] - max);
                sw += w;
                sw2 += w * w;
                swt += w * trace[i];
            }
            double mean = sw / draws;
            double relSe = Math.sqrt((sw2 / draws - mean * mean) / draws) / mean;   // standard error of log Ẑ
            double logZ = max + Math.log(mean);
            assertEquals(t.logNormaliser(), logZ, 5 * relSe, "boyda" + b + " log Z");
            assertEquals(t.meanReTrace(1), swt / sw, 0.05, "boyda" + b + " E[Re tr U]");
            assertEquals(referenceEss[b - 1], t.haarEss(), 0.0025, "boyda" + b + " Haar ESS");
            assertEquals(sw * sw / sw2 / draws, t.haarEss(), 0.1 * t.haarEss(), "boyda" + b + " sampled ESS");
            assertTrue(t.entropy() < 0, "entropy relative to Haar measure is negative");
        }
    }

    /** The quadrature has converged: half the grid gives the same numbers. */
    /**
     * Rejection draws are the target's: E[Re tr U] and E[S] of 20,000 draws agree with the quadrature within 5
     * standard errors, and the bound M is above S at 20,000 Haar points.
     */
    @Test
    void rejectionDrawsHaveTheTargetsMoments() {
        for (String spec : new String[] {"su2:boyda3", "su3:boyda1"}) {
            SuTarget t = SuTarget.parse(spec);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(41);
            double bound = t.actionBound();
            for (int i = 0; i < 20_000; i++) {
                double s = t.action(SpecialUnitary.haar(t.n(), rng));
                org.junit.jupiter.api.Assertions.assertTrue(s <= bound, spec + ": S " + s + " above the bound " + bound);
            }
            java.util.List<ComplexMatrix> draws = t.sample(20_000, rng);
            double[] tr = draws.stream().mapToDouble(u -> u.powerTraces(1)[0][0]).toArray();
            double[] action = draws.stream().mapToDouble(t::action).toArray();
            assertEquals(t.meanReTrace(1), mean(tr), 5 * stderr(tr), spec + " E[Re tr U]");
            assertEquals(t.logNormaliser() - t.entropy(), mean(action), 5 * stderr(action), spec + " E[S]");
        }
    }

    private static double mean(double[] x) {
        return java.util.Arrays.stream(x).average().orElseThrow();
    }

    private static double stderr(double[] x) {
        double m = mean(x);
        return Math.sqrt(java.util.Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / (x.length - 1) / x.length);
    }

    @Test
    void quadratureHasConverged() {
        SuTarget t = SuTarget.parse("su3:boyda2");
        double coarse = WeylIntegral.integrate(3, 96, t::action).logNormaliser();
        assertEquals(coarse, t.logNormaliser(), 1e-11);
    }

    /**
     * SU(4): Haar measure's moments on the library's 48³ grid (mass 1, E|tr U|² = 1, E|tr U|⁴ = 2), and the boyda
     * targets' log Z and E[Re tr U] unchanged on a finer 64³ grid (to 1e-8; they differ by about 1e-9).
     */
    @Test
    void su4QuadratureIsExactForHaarMomentsAndHasConverged() {
        WeylIntegral.Result haar = WeylIntegral.integrate(4, 48, theta -> 0.0, SuTargetTest::abs2Trace, theta -> {
            double a = abs2Trace(theta);
            return a * a;
        });
        assertEquals(0.0, haar.logNormaliser(), 1e-12);
        assertEquals(1.0, haar.expectations()[0], 1e-11);
        assertEquals(2.0, haar.expectations()[1], 1e-11);
        for (String spec : new String[] {"su4:boyda1", "su4:boyda2", "su4:boyda3"}) {
            SuTarget t = SuTarget.parse(spec);
            WeylIntegral.Result fine = WeylIntegral.integrate(4, 64, t::action, theta -> {
                double sum = 0;
                for (double x : theta) {
                    sum += Math.cos(x);
                }
                return sum;
            });
            assertEquals(fine.logNormaliser(), t.logNormaliser(), 1e-8, spec + " log Z");
            assertEquals(fine.expectations()[0], t.meanReTrace(1), 1e-8, spec + " E[Re tr U]");
        }
    }

    /** The table of docs/manifolds.md. */
    @Test
    void documentedValues() {
        Object[][] table = {
            {"su3:boyda1", 3.92386, -1.94473, 1.4153, 0.1030}, {"su3:boyda2", 8.76245, -1.63278, 0.1798, 0.1452},
            {"su3:boyda3", 2.75840, -2.46498, 1.7411, 0.0285}, {"su2:boyda1", 7.68034, -1.03318, 0.8335, 0.3064},
            {"su2:boyda2", 11.67962, -1.54970, -0.7913, 0.1816}, {"su2:boyda3", 5.43412, -2.11302, 1.6771, 0.0782}};
        for (Object[] row : table) {
            SuTarget t = SuTarget.parse((String) row[0]);
            assertEquals((double) row[1], t.logNormaliser(), 5e-6, row[0] + " log Z");
            assertEquals((double) row[2], t.entropy(), 5e-6, row[0] + " entropy");
            assertEquals((double) row[3], t.meanReTrace(1), 5e-5, row[0] + " E[Re tr U]");
            assertEquals((double) row[4], t.haarEss(), 5e-5, row[0] + " Haar ESS");
        }
    }

    @Test
    void specsAreParsedOrExplained() {
        assertEquals(9.0, SuTarget.parse("su2:boyda3").beta());
        assertEquals(2, SuTarget.parse("su2:1.5,1,0.5").coefficients().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SuTarget.parse("su3:boyda4"));
        assertTrue(e.getMessage().contains("expected boyda1, boyda2, boyda3 or beta,c1,c2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SuTarget.parse("su9:boyda1"));
    }

    /** I_1(x) by its power series (converges for every x; enough terms for x ≤ 10). */
    private static double besselI1(double x) {
        double term = x / 2;
        double sum = term;
        for (int k = 1; k < 60; k++) {
            term *= (x / 2) * (x / 2) / (k * (k + 1.0));
            sum += term;
        }
        return sum;
    }
}
