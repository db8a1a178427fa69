package org.eqflow.core.finite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.eqflow.core.Engine;
import org.eqflow.core.Float64Defaults;
import org.eqflow.core.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The O(2)-equivariant coupling flow in float64: equivariance of the flow and invariance of its density under
 * rotations and reflections of every point alike, the exact log-determinant against a finite-difference
 * Jacobian, the inverse round trip, the loss gradient against central differences, the density's total mass
 * (an exact oracle: one), the hand-derived kernel equal to the graph, and a saved state that continues exactly.
 */
@ExtendWith(Float64Defaults.class)
class CouplingFlowTest {
    /** A flow with weights moved away from their initial values, so every check sees a non-trivial map. */
    static CouplingFlow trained(int d, int layers) {
        CouplingFlow flow = CouplingFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, d).blocks(layers)
                .hidden(16).float64().learningRate(3e-2).seed(11).build());
        INDArray data = TestSupport.gaussian(5, 64, d, 1.0).muli(1.5).addi(0.3);
        for (int i = 0; i < 25; i++) {
            flow.trainStep(data);
        }
        return flow;
    }

    /** The block-diagonal matrix that applies {@code R} to every point of a row. */
    private static INDArray everyPoint(double[][] r, int d) {
        INDArray m = Nd4j.zeros(DataType.DOUBLE, d, d);
        for (int p = 0; p < d / 2; p++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    m.putScalar(2 * p + i, 2 * p + j, r[i][j]);
                }
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6, 8})
    void flowIsEquivariantAndDensityInvariantUnderO2(int d) {
        CouplingFlow flow = trained(d, 4);
        INDArray x = TestSupport.gaussian(7, 20, d, 1.3);
        INDArray z = flow.forward(x);
        double[] lp = flow.exactLogDensity(x);
        SplittableRandom rng = new SplittableRandom(3);
        for (int e = 0; e < 6; e++) {
            double a = 2 * Math.PI * rng.nextDouble();
            double s = e % 2 == 0 ? 1 : -1;
            double[][] r = {{Math.cos(a), -s * Math.sin(a)}, {Math.sin(a), s * Math.cos(a)}};
            INDArray rt = everyPoint(r, d).transpose();
            INDArray zr = flow.forward(x.mmul(rt));
            assertTrue(zr.sub(z.mmul(rt)).amaxNumber().doubleValue() <= 1e-10, d + ": F(Rx) = R F(x)");
            double[] lpr = flow.exactLogDensity(x.mmul(rt));
            for (int i = 0; i < lp.length; i++) {
                assertEquals(lp[i], lpr[i], 1e-10, d + ": log p(Rx) = log p(x)");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void logDensityMatchesFiniteDifferenceJacobian(int d) {
        FiniteFlowChecks.logDensityMatchesFiniteDifferenceJacobian(trained(d, 4), TestSupport.gaussian(9, 5, d, 1.0), "d = " + d);
    }

    @Test
    void inverseUndoesTheFlow() {
        for (int d : new int[] {4, 8}) {
            CouplingFlow flow = trained(d, 5);
            INDArray x = TestSupport.gaussian(13, 50, d, 2.0);
            INDArray back = flow.inverse(flow.forward(x));
            assertTrue(back.sub(x).amaxNumber().doubleValue() <= 1e-8, d + ": F⁻¹(F(x)) = x");
            INDArray z = TestSupport.gaussian(14, 50, d, 1.0);
            assertTrue(flow.forward(flow.inverse(z)).sub(z).amaxNumber().doubleValue() <= 1e-8, d + ": F(F⁻¹(z)) = z");
        }
    }

    /** {@code ∫ p = E_q[p/q]} with {@code q = N(0, 2² I)}: the density has total mass one (5 standard errors). */
    @Test
    void densityIntegratesToOne() {
        int d = 4;
        CouplingFlow flow = trained(d, 4);
        int n = 100_000;
        double sigma = 2.0;
        INDArray x = TestSupport.gaussian(17, n, d, sigma);
        double[] lp = flow.exactLogDensity(x);
        double[] squares = x.mul(x).sum(1).toDoubleVector();
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double q = -0.5 * squares[i] / (sigma * sigma) - 0.5 * d * Math.log(2 * Math.PI * sigma * sigma);
            double w = Math.exp(lp[i] - q);
            sum += w;
            sumSq += w * w;
        }
        double mean = sum / n;
        double se = Math.sqrt((sumSq / n - mean * mean) / n);
        assertTrue(se < 0.02, "standard error " + se);
        assertEquals(1.0, mean, 5 * se, "total mass");
    }

    @Test
    void lossGradientMatchesCentralDifferences() {
        FiniteFlowChecks.lossGradientMatchesCentralDifferences(trained(6, 3), TestSupport.gaussian(21, 16, 6, 1.2));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6, 8})
    void fusedEngineEqualsTheGraph(int d) {
        CouplingFlow flow = trained(d, 3);
        FiniteFlowChecks.fusedEngineEqualsTheGraph(flow, TestSupport.gaussian(23, 40, d, 1.4), "d = " + d);
        INDArray z = TestSupport.gaussian(24, 20, d, 1.0);
        INDArray fused = flow.inverse(z);
        flow.useEngine(Engine.GRAPH);
        assertTrue(flow.inverse(z).sub(fused).amaxNumber().doubleValue() <= 1e-10, d + ": the same inverse");
    }

    /**
     * Averaged over the permutations of its points, the density is invariant under them and under O(2) alike, still
     * has total mass one, and its samples are the flow's samples moved by a random permutation.
     */
    @Test
    void aDensityAveragedOverPermutationsIsInvariantUnderThemAndNormalised() {
        CouplingFlow flow = CouplingFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 6).blocks(3).hidden(16)
                .float64().learningRate(3e-2).seed(11).symmetrize("perm:3x2").build());
        INDArray data = TestSupport.gaussian(5, 64, 6, 1.0).muli(1.5).addi(0.3);
        for (int i = 0; i < 25; i++) {
            flow.trainStep(data);
        }
        INDArray x = TestSupport.gaussian(7, 20, 6, 1.3);
        double[] lp = flow.exactLogDensity(x);
        org.eqflow.core.group.Group perms = org.eqflow.core.group.Groups.parse("perm:3x2", 6);
        for (double[][] r : perms.elements()) {
            double[] lpr = flow.exactLogDensity(x.mmul(Nd4j.create(r).transpose()));
            for (int i = 0; i < lp.length; i++) {
                assertEquals(lp[i], lpr[i], 1e-10, "log p(Px) = log p(x)");
            }
        }
        double c = Math.cos(1.1);
        double s = Math.sin(1.1);
        double[] lpr = flow.exactLogDensity(x.mmul(everyPoint(new double[][] {{c, -s}, {s, c}}, 6).transpose()));
        for (int i = 0; i < lp.length; i++) {
            assertEquals(lp[i], lpr[i], 1e-10, "log p(Rx) = log p(x)");
        }
        int n = 100_000;
        INDArray wide = TestSupport.gaussian(17, n, 6, 2.0);
        double[] lw = flow.exactLogDensity(wide);
        double[] squares = wide.mul(wide).sum(1).toDoubleVector();
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double w = Math.exp(lw[i] + 0.5 * squares[i] / 4 + 3 * Math.log(2 * Math.PI * 4));
            sum += w;
            sumSq += w * w;
        }
        double mean = sum / n;
        double se = Math.sqrt((sumSq / n - mean * mean) / n);
        assertEquals(1.0, mean, 5 * se + 1e-3, "total mass (standard error " + se + ")");
        INDArray samples = flow.sample(200, 3);
        assertTrue(java.util.Arrays.stream(flow.exactLogDensity(samples)).allMatch(Double::isFinite));
    }

    @Test
    void savedStateRestoresTheSameFlow() {
        CouplingFlow flow = trained(4, 3);
        CouplingFlow again = (CouplingFlow) FiniteFlow.restore(flow.state());
        INDArray x = TestSupport.gaussian(4, 10, 4, 1.0);
        assertEquals(0.0, flow.forward(x).sub(again.forward(x)).amaxNumber().doubleValue());
        INDArray batch = TestSupport.gaussian(6, 32, 4, 1.0);
        flow.trainStep(batch);
        again.trainStep(batch);
        assertEquals(0.0, flow.forward(x).sub(again.forward(x)).amaxNumber().doubleValue(), "continues exactly");
    }

    @Test
    void layoutsAndGroupsItCannotServeAreRefusedWithReasons() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 5).build());
        assertTrue(odd.getMessage().contains("even dimension"), odd.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 2).build());
        assertTrue(one.getMessage().contains("2 to 32 points"), one.getMessage());
        IllegalArgumentException perm = assertThrows(IllegalArgumentException.class,
                () -> FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 8).group("perm:4x2").build());
        assertTrue(perm.getMessage().contains("--flow residual"), perm.getMessage());
        assertEquals("o2", FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 8).build().group());
    }
}
