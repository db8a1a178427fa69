package org.eqflow.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The conditional ring {@code p(x | c)} against exact oracles: normalised at every context, sampled as its density
 * (context uniform, radii at {@code R(c)} with width {@code σ(c)}), its conditional entropy equal to a Monte Carlo
 * estimate, and its marginal carrying the mutual information {@code H(x) − H(x | c) > 0}.
 */
class ConditionalShellTest {
    private final ConditionalShell ring = (ConditionalShell) Targets.parse("cring");

    @Test
    void isNormalisedAtEveryContext() {
        for (double c : new double[] {-1, -0.3, 0.5, 1}) {
            int n = 400;
            double lo = -5;
            double h = 10.0 / n;
            double mass = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    mass += Math.exp(ring.logDensity(new double[] {lo + (i + 0.5) * h, lo + (j + 0.5) * h, c})) * h * h;
                }
            }
            assertEquals(1.0, mass, 2e-3, "∫ p(x | c = " + c + ") dx");
        }
        assertEquals(Double.NEGATIVE_INFINITY, ring.logDensity(new double[] {2, 0, 1.5}), "no density outside the context's range");
    }

    @Test
    void samplesFollowTheContext() {
        double[][] rows = ring.sample(60_000, new SplittableRandom(3));
        double sum = 0;
        double sumSq = 0;
        double[] radius = new double[4];
        double[] radiusSq = new double[4];
        int[] count = new int[4];
        for (double[] r : rows) {
            double c = r[2];
            assertTrue(c >= -1 && c <= 1);
            sum += c;
            sumSq += c * c;
            int bin = Math.min(3, (int) ((c + 1) * 2));
            double rad = Math.hypot(r[0], r[1]);
            radius[bin] += rad - (2 + c);
            radiusSq[bin] += Math.pow((rad - (2 + c)) / (0.2 + 0.1 * c), 2);
            count[bin]++;
        }
        assertEquals(0, sum / rows.length, 0.01, "E c");
        assertEquals(1.0 / 3, sumSq / rows.length, 0.01, "E c²");
        for (int b = 0; b < 4; b++) {
            assertEquals(0, radius[b] / count[b], 0.01, "E[r − R(c)] in context bin " + b);
            assertEquals(1, radiusSq[b] / count[b], 0.05, "E[((r − R(c))/σ(c))²] in context bin " + b);
        }
    }

    @Test
    void conditionalEntropyMatchesMonteCarloAndTheMarginalCarriesTheInformation() {
        Target.Entropy h = ring.entropy();
        Target.Entropy sampled = MonteCarlo.entropy(ring);  // −mean log p(x | c) of 200,000 draws, bound 4 standard errors
        assertEquals(sampled.nats(), h.nats(), sampled.errorBound() + h.errorBound(), "E_c H(x | c)");
        assertTrue(h.errorBound() < 1e-3, "quadrature error " + h.errorBound());
        Target marginal = Targets.parse("cring-marginal");
        double information = marginal.entropy().nats() - h.nats();
        assertTrue(information > 0.1, "I(x; c) = H(x) − H(x | c) = " + information);
        assertEquals(2, marginal.dimension());
        assertEquals(1, ring.contextSize());
        assertEquals(0, marginal.contextSize());
    }

    @Test
    void specsParseAndAreChecked() {
        assertEquals("cshell:3,2.0,0.5,0.2,0.05", Targets.parse("cshell:3,2,0.5,0.2,0.05").spec());
        assertEquals(Targets.parse("cshell:2,2,1,0.2,0.1"), ring);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Targets.parse("cshell:2,1,1,0.2,0.1"));
        assertTrue(e.getMessage().contains("R0 > |R1|"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Targets.parse("cring*ring"));
        assertTrue(e.getMessage().contains("cannot be a factor"), e.getMessage());
    }
}
