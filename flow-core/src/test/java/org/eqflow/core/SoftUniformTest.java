package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.base.SoftUniform;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.target.Quadrature;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The soft-uniform base: exact normaliser, sampler matching the density, graph matching plain Java. */
class SoftUniformTest {
    private final SoftUniform base = new SoftUniform(3.0, 4.0);

    @Test
    void densityIntegratesToOne() {
        for (SoftUniform b : new SoftUniform[] {base, new SoftUniform(1.0, 50.0), new SoftUniform(6.0, 0.5)}) {
            double half = b.width() / 2 + 60 / b.beta();
            double mass = Quadrature.simpson(x -> Math.exp(b.logDensityCoordinate(x)), -half, half, 200_000).value();
            assertEquals(1.0, mass, 1e-9, b.spec());
        }
    }

    /**
     * Sample moments against the exact ones of Uniform(−w/2, w/2) + Logistic(0, 1/β): mean 0, variance
     * w²/12 + π²/(3β²). With n = 200,000 the standard error of the variance is about 0.3 % of it; 5 SE is allowed.
     */
    @Test
    void samplerMatchesTheDensity() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 200_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double x = base.sampleCoordinate(rng);
            sum += x;
            sumSq += x * x;
        }
        double var = base.width() * base.width() / 12 + Math.PI * Math.PI / (3 * base.beta() * base.beta());
        assertEquals(0.0, sum / n, 5 * Math.sqrt(var / n));
        assertEquals(var, sumSq / n, 5 * var * Math.sqrt(2.0 / n) * 1.5);
    }

    @Test
    void graphMatchesPlainJava() {
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.placeHolder("q", DataType.DOUBLE, -1, 2);
        SDVariable p = sd.placeHolder("p", DataType.DOUBLE, -1, 2);
        base.logDensity(sd, new PhaseState(q, p)).rename("lp");
        base.gradLogDensity(sd, new PhaseState(q, p)).q().rename("gq");
        INDArray qs = TestSupport.gaussian(1, 10, 2, 3.0);
        INDArray ps = TestSupport.gaussian(2, 10, 2, 3.0);
        Map<String, INDArray> out = sd.output(Map.of("q", qs, "p", ps), "lp", "gq");
        double h = 1e-6;
        for (int i = 0; i < 10; i++) {
            double expected = 0;
            for (int j = 0; j < 2; j++) {
                expected += base.logDensityCoordinate(qs.getDouble(i, j)) + base.logDensityCoordinate(ps.getDouble(i, j));
                double x = qs.getDouble(i, j);
                double numeric = (base.logDensityCoordinate(x + h) - base.logDensityCoordinate(x - h)) / (2 * h);
                assertEquals(numeric, out.get("gq").getDouble(i, j), 1e-7);
            }
            assertEquals(expected, out.get("lp").getDouble(i), 1e-12);
        }
        assertEquals(base, BaseDensity.parse(base.spec()));
    }
}
