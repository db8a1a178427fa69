package org.eqflow.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.symmetry.Symmetry;
import org.junit.jupiter.api.Test;

/**
 * The energies of reverse-KL training against exact oracles: gradients against central differences, the radial
 * well's normaliser against its closed forms, the particle system's symmetries (rotation through its generator's
 * matrix, permutations, translations removed), and the Metropolis reference against an exact moment.
 */
class UnnormalisedTargetTest {

    @Test
    void gradientsAgainstCentralDifferences() {
        SplittableRandom rng = new SplittableRandom(4);
        for (UnnormalisedTarget t : new UnnormalisedTarget[] {new RadialWell(2, 2, 0.2), new RadialWell(3, 1.5, 0.3),
                new ParticleDoubleWell(4), new ParticleDoubleWell(3)}) {
            int d = t.dimension();
            for (int trial = 0; trial < 20; trial++) {
                double[] x = new double[d];
                for (int i = 0; i < d; i++) {
                    x[i] = 3 * (rng.nextDouble() - 0.5);
                }
                double[] g = new double[d];
                assertEquals(t.energy(x), t.energyAndGradient(x, g), 1e-12 * (1 + Math.abs(t.energy(x))));
                for (int i = 0; i < d; i++) {
                    double h = 1e-6;
                    double[] plus = x.clone();
                    double[] minus = x.clone();
                    plus[i] += h;
                    minus[i] -= h;
                    double numeric = (t.energy(plus) - t.energy(minus)) / (2 * h);
                    assertEquals(numeric, g[i], 1e-6 * (1 + Math.abs(numeric)), t.spec() + " ∂E/∂x" + i);
                }
            }
        }
    }

    /** {@code Z = 2πσ(R√(2π)Φ(R/σ) + σe^{−R²/2σ²})} in 2-D and {@code 4πσ((R²+σ²)√(2π)Φ(R/σ) + Rσe^{−R²/2σ²})} in 3-D. */
    @Test
    void radialNormaliserAgainstClosedForms() {
        for (double[] rs : new double[][] {{2, 0.2}, {1, 0.5}, {0.3, 1.0}, {0, 0.7}}) {
            double r = rs[0];
            double s = rs[1];
            double a = r / s;
            double phi = 1 - 0.5 * Special.erfc(a / Math.sqrt(2));
            double z2 = 2 * Math.PI * s * (r * Math.sqrt(2 * Math.PI) * phi + s * Math.exp(-a * a / 2));
            double z3 = 4 * Math.PI * s * ((r * r + s * s) * Math.sqrt(2 * Math.PI) * phi + r * s * Math.exp(-a * a / 2));
            assertEquals(Math.log(z2), new RadialWell(2, r, s).logNormaliser().getAsDouble(), 1e-9, "d = 2, R = " + r);
            assertEquals(Math.log(z3), new RadialWell(3, r, s).logNormaliser().getAsDouble(), 1e-9, "d = 3, R = " + r);
        }
    }

    @Test
    void particleSystemSymmetries() {
        ParticleDoubleWell dw = new ParticleDoubleWell(4);
        assertEquals(6, dw.dimension());
        Symmetry rotation = Symmetries.parse(java.util.List.of(dw.symmetry()), 6).orElseThrow();
        double[][] a = rotation.generators().get(0).matrix().orElseThrow();
        SplittableRandom rng = new SplittableRandom(9);
        for (int trial = 0; trial < 10; trial++) {
            double[][] x = new double[4][2];
            for (double[] p : x) {
                p[0] = 4 * rng.nextDouble() + 1;
                p[1] = 4 * rng.nextDouble() - 3;
            }
            double[] y = dw.coordinates(x);
            // translations: the centre of mass is removed, the distances are kept
            double[][] back = dw.positions(y);
            double[] shift = {back[0][0] - x[0][0], back[0][1] - x[0][1]};
            for (int i = 0; i < 4; i++) {
                assertEquals(x[i][0] + shift[0], back[i][0], 1e-12);
                assertEquals(x[i][1] + shift[1], back[i][1], 1e-12);
            }
            assertEquals(y[0], dw.coordinates(back)[0], 1e-12);
            // rotations: exp(θA) y rotates every particle by θ, and E is unchanged
            double theta = 2 * Math.PI * rng.nextDouble();
            double[] rotated = new double[6];
            for (int m = 0; m < 3; m++) {
                rotated[2 * m] = Math.cos(theta) * y[2 * m] - Math.sin(theta) * y[2 * m + 1];
                rotated[2 * m + 1] = Math.sin(theta) * y[2 * m] + Math.cos(theta) * y[2 * m + 1];
            }
            assertEquals(dw.energy(y), dw.energy(rotated), 1e-9 * Math.abs(dw.energy(y)));
            // the generator's matrix is that rotation's (up to its sense): A y is tangent to it
            double[] ay = new double[6];
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    ay[i] += a[i][j] * y[j];
                }
            }
            for (int m = 0; m < 3; m++) {
                assertEquals(Math.abs(y[2 * m + 1]), Math.abs(ay[2 * m]), 1e-12);
                assertEquals(Math.abs(y[2 * m]), Math.abs(ay[2 * m + 1]), 1e-12);
            }
            // permutations
            double[][] swapped = {x[2], x[0], x[3], x[1]};
            assertEquals(dw.energy(y), dw.energy(dw.coordinates(swapped)), 1e-9 * Math.abs(dw.energy(y)));
        }
        // the pair potential's wells and barrier
        double well = Math.sqrt(-ParticleDoubleWell.QUADRATIC / (2 * ParticleDoubleWell.QUARTIC));
        assertEquals(-4.0 * 4.0 / (4 * 0.9), ParticleDoubleWell.pairEnergy(4 + well), 1e-12);
        assertEquals(0, ParticleDoubleWell.pairEnergy(4), 0);
    }

    /** Metropolis on the ring reproduces its mean radius, by quadrature, within 4 standard errors of its chains. */
    @Test
    void metropolisMatchesTheRingsMeanRadius() {
        RadialWell ring = new RadialWell(2, 1.0, 0.4);
        Metropolis run = Metropolis.run(ring, 40, 200, 500, 20, 1.0, 0.5, 7);
        double num = Quadrature.simpson(r -> r * r * Math.exp(-(r - 1) * (r - 1) / 0.32), 0, 8, 4000).value();
        double den = Quadrature.simpson(r -> r * Math.exp(-(r - 1) * (r - 1) / 0.32), 0, 8, 4000).value();
        double[] chainMeans = new double[40];
        for (int c = 0; c < 40; c++) {
            for (int k = 0; k < 200; k++) {
                double[] x = run.samples()[c * 200 + k];
                chainMeans[c] += Math.hypot(x[0], x[1]) / 200;
            }
        }
        double mean = java.util.Arrays.stream(chainMeans).average().orElseThrow();
        double var = java.util.Arrays.stream(chainMeans).map(v -> (v - mean) * (v - mean)).sum() / 39;
        assertEquals(num / den, mean, 4 * Math.sqrt(var / 40));
        assertTrue(run.acceptance() > 0.2 && run.acceptance() < 0.9, "acceptance " + run.acceptance());
    }

    @Test
    void specsAndRefusals() {
        assertEquals("ring:2,0.2", UnnormalisedTargets.parse("ring").spec());
        assertEquals("shell:3,2,0.3", UnnormalisedTargets.parse("shell:3,2,0.3").spec());
        assertEquals("dw4", UnnormalisedTargets.parse("dw4").spec());
        assertEquals("dw:3", UnnormalisedTargets.parse("dw:3").spec());
        assertEquals("so3", UnnormalisedTargets.parse("shell:3,2,0.3").symmetry());
        for (String bad : new String[] {"ring:2", "ring:2,-1", "ring:2,nan", "shell:2.5,1,1", "dw:1", "dw:99", "gauss", "class:",
                "class:java.lang.String", "class:com.example.Missing"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnnormalisedTargets.parse(bad), bad);
            assertTrue(e.getMessage().length() > 20 && !e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
