package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.eqflow.core.objective.Iwae;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bounds: on average ELBO ≤ IWAE_M, rising with M. Each comparison is a paired mean over 400 points
 * whose standard error is printed in the message; the gaps of an untrained model are several nats,
 * far beyond it.
 */
class IwaeTest {

    @Test
    void iwaeIsAboveElboAndGrowsWithM() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(32).float64().seed(2).build());
        INDArray x = TestSupport.gaussian(5, 400, 2, 2.0);
        double[] elbos = m.elbo(x, 1);
        double elbo = Arrays.stream(elbos).average().orElseThrow();
        double previous = elbo;
        for (int samples : new int[] {1, 8, 64}) {
            Iwae.Estimate[] estimates = m.logDensity(x, samples, 3);
            double iwae = mean(estimates);
            if (samples == 1) {
                // two independent single-sample estimates of the same mean: within 4 standard errors
                double[] ones = Arrays.stream(estimates).mapToDouble(Iwae.Estimate::logDensity).toArray();
                double se = Math.sqrt(variance(elbos) / elbos.length + variance(ones) / ones.length);
                assertEquals(elbo, iwae, 4 * se, "IWAE_1 is an unbiased single-sample ELBO estimate");
            } else {
                assertTrue(iwae > previous, "IWAE_" + samples + " = " + iwae + " should exceed " + previous);
            }
            previous = iwae;
        }
    }

    @Test
    void estimatesAreSeededAndChunkingDoesNotChangeThem() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).float64().seed(2).build());
        INDArray x = TestSupport.gaussian(5, 10, 2, 2.0);
        double[] a = values(m.logDensity(x, 16, 7));
        double[] b = values(m.logDensity(x, 16, 7));
        assertArrayEquals(a, b, 0.0);
        double[] c = values(m.logDensity(x, 16, 8));
        assertTrue(Math.abs(a[0] - c[0]) > 0, "another seed gives other noise");
    }

    @Test
    void logMeanExpIsStable() {
        Iwae.Estimate e = Iwae.estimate(new double[] {-1000, -1000, -1000});
        assertEquals(-1000, e.logDensity(), 1e-12);
        assertEquals(0, e.standardError(), 1e-12);
        Iwae.Estimate f = Iwae.estimate(new double[] {0, Math.log(3)});
        assertEquals(Math.log(2), f.logDensity(), 1e-12);
    }

    private static double mean(Iwae.Estimate[] e) {
        return Arrays.stream(e).mapToDouble(Iwae.Estimate::logDensity).average().orElseThrow();
    }

    private static double[] values(Iwae.Estimate[] e) {
        return Arrays.stream(e).mapToDouble(Iwae.Estimate::logDensity).toArray();
    }

    private static double variance(double[] v) {
        double m = Arrays.stream(v).average().orElseThrow();
        return Arrays.stream(v).map(a -> (a - m) * (a - m)).sum() / (v.length - 1);
    }

    /** The effective sample size: 1 for equal weights, 1/M for one weight carrying everything, (Σw)²/(M Σw²) between. */
    @Test
    void effectiveSampleSizeOfImportanceWeights() {
        assertEquals(1.0, Iwae.effectiveSampleSize(new double[] {700, 700, 700, 700}), 1e-15);
        assertEquals(0.25, Iwae.effectiveSampleSize(new double[] {0, -1e4, -1e4, -1e4}), 1e-15);
        double shift = -800;   // far below exp's range: the sums must be taken relative to the largest weight
        assertEquals(36.0 / (3 * 14.0), Iwae.effectiveSampleSize(new double[] {Math.log(1) + shift, Math.log(2) + shift,
                Math.log(3) + shift}), 1e-12);
    }
}
