package org.eqflow.core.finite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.eqflow.core.Float64Defaults;
import org.eqflow.core.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The G-residual flow in float64: equivariance of the flow and invariance of its density under every group
 * element to round-off, the exact log-determinant against a finite-difference Jacobian, the inverse round
 * trip, the loss gradient against central differences, and the Lipschitz bound after every update.
 */
@ExtendWith(Float64Defaults.class)
class ResidualFlowTest {
    /** A flow with weights moved away from their initial values, so every check sees a non-trivial map. */
    static ResidualFlow trained(String group, int d, int blocks) {
        ResidualFlow flow = ResidualFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.RESIDUAL, d).group(group)
                .blocks(blocks).hidden(16).float64().learningRate(2e-2).seed(11).build());
        INDArray data = TestSupport.gaussian(5, 64, d, 1.0).muli(1.5).addi(0.3);
        for (int i = 0; i < 20; i++) {
            flow.trainStep(data);
        }
        return flow;
    }

    @ParameterizedTest
    @CsvSource({"c8,2", "d4,2", "c3,4", "perm:3x2,6", "d2*perm:2x2,4"})
    void flowIsEquivariantAndDensityInvariant(String group, int d) {
        ResidualFlow flow = trained(group, d, 3);
        INDArray x = TestSupport.gaussian(7, 20, d, 1.3);
        INDArray z = flow.forward(x);
        double[] lp = flow.exactLogDensity(x);
        for (double[][] r : flow.group().elements()) {
            INDArray rt = Nd4j.create(r).transpose();
            INDArray zr = flow.forward(x.mmul(rt));
            assertTrue(zr.sub(z.mmul(rt)).amaxNumber().doubleValue() <= 1e-10, group + ": F(Rx) = R F(x)");
            double[] lpr = flow.exactLogDensity(x.mmul(rt));
            for (int i = 0; i < lp.length; i++) {
                assertEquals(lp[i], lpr[i], 1e-10, group + ": log p(Rx) = log p(x)");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"c8,2", "perm:3x2,6", "none,5"})
    void logDensityMatchesFiniteDifferenceJacobian(String group, int d) {
        FiniteFlowChecks.logDensityMatchesFiniteDifferenceJacobian(trained(group, d, 3), TestSupport.gaussian(9, 5, d, 1.0), group);
    }

    @Test
    void inverseUndoesTheFlow() {
        for (String group : List.of("c8", "perm:3x2")) {
            int d = group.equals("c8") ? 2 : 6;
            ResidualFlow flow = trained(group, d, 4);
            for (org.eqflow.core.Engine engine : List.of(org.eqflow.core.Engine.FUSED, org.eqflow.core.Engine.GRAPH)) {
                flow.useEngine(engine);
                INDArray x = TestSupport.gaussian(13, 50, d, 2.0);
                INDArray back = flow.inverse(flow.forward(x));
                assertTrue(back.sub(x).amaxNumber().doubleValue() <= 1e-8, group + " " + engine + ": F⁻¹(F(x)) = x");
                INDArray z = TestSupport.gaussian(14, 50, d, 1.0);
                assertTrue(flow.forward(flow.inverse(z)).sub(z).amaxNumber().doubleValue() <= 1e-8,
                        group + " " + engine + ": F(F⁻¹(z)) = z");
            }
        }
    }

    @Test
    void lossGradientMatchesCentralDifferences() {
        FiniteFlowChecks.lossGradientMatchesCentralDifferences(trained("c4", 2, 2), TestSupport.gaussian(21, 16, 2, 1.2));
    }

    @ParameterizedTest
    @CsvSource({"c8,2", "d3,4", "perm:3x2,6", "none,3"})
    void fusedEngineEqualsTheGraph(String group, int d) {
        FiniteFlowChecks.fusedEngineEqualsTheGraph(trained(group, d, 3), TestSupport.gaussian(23, 40, d, 1.4), group);
    }

    @Test
    void everyWeightStaysWithinTheLipschitzBoundAfterEveryUpdate() {
        ResidualFlow flow = ResidualFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.RESIDUAL, 2).group("d4")
                .blocks(2).hidden(24).float64().learningRate(5e-2).lipschitz(0.9).seed(3).build());
        INDArray data = TestSupport.gaussian(2, 128, 2, 3.0);
        for (int step = 0; step < 15; step++) {
            flow.trainStep(data);
            for (Map.Entry<String, INDArray> e : flow.parameters().entrySet()) {
                if (e.getKey().contains("W")) {
                    INDArray w = e.getValue();
                    double sigma = Math.sqrt(Eigen.symmetricGeneralizedEigenvalues(w.transpose().mmul(w), true).maxNumber().doubleValue());
                    assertTrue(sigma <= 0.9 * (1 + 1e-9), e.getKey() + " has spectral norm " + sigma + " after update " + step);
                }
            }
        }
    }

    @Test
    void savedStateRestoresTheSameFlow() {
        ResidualFlow flow = trained("d4", 2, 2);
        ResidualFlow again = (ResidualFlow) FiniteFlow.restore(flow.state());
        INDArray x = TestSupport.gaussian(4, 10, 2, 1.0);
        assertEquals(0.0, flow.forward(x).sub(again.forward(x)).amaxNumber().doubleValue());
        INDArray batch = TestSupport.gaussian(6, 32, 2, 1.0);
        flow.trainStep(batch);
        again.trainStep(batch);
        assertEquals(0.0, flow.forward(x).sub(again.forward(x)).amaxNumber().doubleValue(), "continues exactly");
    }

    @Test
    void continuousGroupsAndLargeDimensionsAreRefusedWithReasons() {
        IllegalArgumentException so2 = assertThrows(IllegalArgumentException.class,
                () -> FiniteFlowConfig.builder(FiniteFlowConfig.Kind.RESIDUAL, 2).group("so2").build());
        assertTrue(so2.getMessage().contains("so2 is continuous"), so2.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> FiniteFlowConfig.builder(FiniteFlowConfig.Kind.RESIDUAL, 40).build());
        assertTrue(big.getMessage().contains("dimensions 1 to 16"), big.getMessage());
    }
}
