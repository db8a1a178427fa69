package org.eqflow.core.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sphere's targets against closed forms and their own exact draws. */
class SphereTargetTest {

    /** The quadrature reproduces the von Mises–Fisher normaliser 4π sinh κ / κ, and the uniform density's log 4π. */
    @Test
    void quadratureMatchesTheClosedFormNormaliser() {
        for (double k : new double[] {0.01, 1, 5, 40}) {
            SphereTarget t = SphereTarget.parse("s2:vmf:" + k);
            assertEquals(Math.log(4 * Math.PI * Math.sinh(k) / k), t.logNormaliser(), 1e-12, "closed form, κ " + k);
            assertEquals(t.logNormaliser(), t.quadratureLogNormaliser(), 1e-9, "quadrature, κ " + k);
            // E[z] = coth κ − 1/κ
            assertEquals(1 / Math.tanh(k) - 1 / k, t.meanHeight(), 1e-9, "mean height, κ " + k);
        }
        assertEquals(Math.log(4 * Math.PI), SphereTarget.parse("s2:vmf:1e-6").entropy(), 1e-6, "nearly uniform");
    }

    /** Exact draws are unit vectors with the quadrature's mean height and mean log-density, within 5 standard errors. */
    @Test
    void drawsHaveTheQuadraturesMoments() {
        for (String spec : new String[] {"s2:bands", "s2:vmf:3", "s2:vmfx:3"}) {
            SphereTarget t = SphereTarget.parse(spec);
            double[][] x = t.sample(40_000, new SplittableRandom(7));
            double[] h = new double[x.length];
            double[] lp = new double[x.length];
            double logZ = t.logNormaliser();
            for (int i = 0; i < x.length; i++) {
                assertEquals(1.0, x[i][0] * x[i][0] + x[i][1] * x[i][1] + x[i][2] * x[i][2], 1e-12);
                h[i] = t.axisSymmetric() ? x[i][2] : x[i][0];
                lp[i] = t.logUnnormalised(x[i]) - logZ;
            }
            assertEquals(t.meanHeight(), mean(h), 5 * stderr(h), spec + " mean height");
            assertEquals(-t.entropy(), mean(lp), 5 * stderr(lp), spec + " E[log p]");
        }
    }

    /** The bands and the z-vMF are invariant under rotations about z; the x-vMF (the control) is not. */
    @Test
    void onlyTheControlDependsOnTheLongitude() {
        double[] x = {0.48, 0.6, 0.64};
        double a = 1.1;
        double[] r = {Math.cos(a) * x[0] - Math.sin(a) * x[1], Math.sin(a) * x[0] + Math.cos(a) * x[1], x[2]};
        for (String spec : new String[] {"s2:bands", "s2:vmf:3"}) {
            SphereTarget t = SphereTarget.parse(spec);
            assertTrue(t.axisSymmetric());
            assertEquals(t.logUnnormalised(x), t.logUnnormalised(r), 1e-12, spec);
        }
        SphereTarget control = SphereTarget.parse("s2:vmfx:3");
        assertFalse(control.axisSymmetric());
        assertTrue(Math.abs(control.logUnnormalised(x) - control.logUnnormalised(r)) > 0.5);
    }

    @Test
    void specsAreParsedOrExplained() {
        assertEquals(6, SphereTarget.parse("s2:bands").params().length);
        assertEquals(3, SphereTarget.parse("s2:bands:1,0.2,0.3").params().length);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SphereTarget.parse("s2:vmf")).getMessage().contains("parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SphereTarget.parse("s2:vmf:-1")).getMessage().contains("κ"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SphereTarget.parse("s2:bands:1,2,0.1")).getMessage()
                .contains("centre in [−1, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SphereTarget.parse("s2:cone:1")).getMessage().contains("unknown kind"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SphereTarget.parse("su3:boyda1")).getMessage().contains("s2:vmf"));
    }

    private static double mean(double[] x) {
        return Arrays.stream(x).average().orElseThrow();
    }

    private static double stderr(double[] x) {
        double m = mean(x);
        return Math.sqrt(Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / (x.length - 1) / x.length);
    }
}
