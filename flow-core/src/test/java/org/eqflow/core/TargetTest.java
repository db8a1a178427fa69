package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Built-in targets: densities integrate to one, samplers match densities, entropies match references. */
class TargetTest {

    @ParameterizedTest
    @ValueSource(strings = {"ring", "rings", "circles", "8gaussians", "checkerboard", "moons", "grid:3,2,0.3", "cring-marginal"})
    void densityIntegratesToOne(String spec) {
        Target t = Targets.parse(spec);
        int n = 300;
        double lo = -8;
        double h = 16.0 / n;
        double mass = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                mass += Math.exp(t.logDensity(new double[] {lo + (i + 0.5) * h, lo + (j + 0.5) * h})) * h * h;
            }
        }
        assertEquals(1.0, mass, 2e-3, spec);
    }

    /**
     * The fraction of 40,000 samples in a box against the density's integral over it; the tolerance is 5
     * binomial standard errors plus the quadrature error.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ring", "rings", "circles", "8gaussians", "checkerboard", "moons", "grid:3,2,0.3", "cring-marginal"})
    void samplerMatchesDensity(String spec) {
        Target t = Targets.parse(spec);
        double[][] boxes = {{0, 3, 0, 3}, {-1.5, 0.5, -2, 1}, {-4, -1, 0.5, 4}};
        SplittableRandom rng = new SplittableRandom(4);
        double[][] xs = t.sample(40_000, rng);
        for (double[] b : boxes) {
            int inside = 0;
            for (double[] x : xs) {
                if (x[0] >= b[0] && x[0] < b[1] && x[1] >= b[2] && x[1] < b[3]) {
                    inside++;
                }
            }
            int n = 120;
            double hx = (b[1] - b[0]) / n;
            double hy = (b[3] - b[2]) / n;
            double mass = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    mass += Math.exp(t.logDensity(new double[] {b[0] + (i + 0.5) * hx, b[2] + (j + 0.5) * hy})) * hx * hy;
                }
            }
            double frac = inside / 40_000.0;
            double se = Math.sqrt(Math.max(mass * (1 - mass), 1e-6) / 40_000);
            assertEquals(mass, frac, 5 * se + 2e-3, spec + " box " + java.util.Arrays.toString(b));
        }
    }

    @ParameterizedTest
    @CsvSource({"'ring:2,0.2', 2.335", "rings, 2.623", "circles, 3.268", "8gaussians, 2.832", "'shell:3,2,0.2', 3.717",
        "checkerboard, 3.466"})
    void entropyMatchesReference(String spec, double reference) {
        Target.Entropy h = Targets.parse(spec).entropy();
        assertTrue(h.errorBound() < 0.01, spec + " bound " + h.errorBound());
        assertEquals(reference, h.nats(), 0.0015 + h.errorBound(), spec);
    }

    @Test
    void shellDensityIsNormalisedInThreeDimensions() {
        Target t = Targets.parse("shell:3,2,0.2");
        // radial integral of p(x)·|S²| r² dr must be one
        double h = 1e-3;
        double mass = 0;
        for (double r = h / 2; r < 4; r += h) {
            mass += Math.exp(t.logDensity(new double[] {r, 0, 0})) * 4 * Math.PI * r * r * h;
        }
        assertEquals(1.0, mass, 1e-6);
    }

    @Test
    void twoShellsAreNormalisedSampledAsTheirDensityAndHaveTheirEntropy() {
        Target t = Targets.parse("shells:3,1,2.5,0.15");
        assertEquals("shells:3,1.0,2.5,0.15", t.spec());
        double h = 1e-3;
        double mass = 0;
        double inner = 0;  // the mass below r = 1.75, half of it by symmetry of the two equal shells
        for (double r = h / 2; r < 4; r += h) {
            double m = Math.exp(t.logDensity(new double[] {0, r, 0})) * 4 * Math.PI * r * r * h;
            mass += m;
            inner += r < 1.75 ? m : 0;
        }
        assertEquals(1.0, mass, 1e-6);
        assertEquals(0.5, inner, 1e-6);
        SplittableRandom rng = new SplittableRandom(8);
        int n = 200_000;
        int below = 0;
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double[] x = t.sample(rng);
            double r = Math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
            below += r < 1.2 ? 1 : 0;
            double lp = t.logDensity(x);
            sum += lp;
            sq += lp * lp;
        }
        double massBelow = 0;
        for (double r = h / 2; r < 1.2; r += h) {
            massBelow += Math.exp(t.logDensity(new double[] {r, 0, 0})) * 4 * Math.PI * r * r * h;
        }
        assertEquals(massBelow, below / (double) n, 5 * Math.sqrt(massBelow * (1 - massBelow) / n) + 1e-4);
        // the quadrature entropy against −mean log p over exact draws (5 standard errors)
        double mean = sum / n;
        double se = Math.sqrt((sq / n - mean * mean) / n);
        Target.Entropy e = t.entropy();
        assertTrue(e.errorBound() < 1e-6, "bound " + e.errorBound());
        assertEquals(-mean, e.nats(), 5 * se);
    }

    @Test
    void oneShellOfShellsIsTheShell() {
        Target one = Targets.parse("shells:3,2,0.2");
        Target shell = Targets.parse("shell:3,2,0.2");
        for (double[] x : new double[][] {{0.1, 2, -0.3}, {1, 1, 1}, {3, 0, 0.5}}) {
            assertEquals(shell.logDensity(x), one.logDensity(x), 1e-12);
        }
        assertEquals(shell.entropy().nats(), one.entropy().nats(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("shells:3,0.2"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("shells:3,-1,2,0.2"));
    }

    @Test
    void rejectsUnknownOrMalformedSpecs() {
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("donut"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("ring:2"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("shell:2.5,1,0.1"));
        assertThrows(IllegalArgumentException.class, () -> Targets.parse("grid:3,x,0.1"));
    }
}
