package org.eqflow.core.finite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.eqflow.core.TestSupport;
import org.eqflow.core.model.Objective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The G-residual flow in float64: equivariance of the flow and invariance of its density under every group
 * element to round-off, the exact log-determinant against a finite-difference Jacobian, the inverse round
 * trip, the loss gradient against central differences, and the Lipschitz bound after every update.
 */
class ResidualFlowTest {
    private static DataType saved;

    @BeforeAll
    static void wide() {
        saved = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(saved, saved);
    }

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
        ResidualFlow flow = trained(group, d, 3);
        INDArray x = TestSupport.gaussian(9, 5, d, 1.0);
        double[] lp = flow.exactLogDensity(x);
        double h = 1e-5;
        for (int row = 0; row < 5; row++) {
            INDArray xi = x.getRow(row).reshape(1, d);
            double[][] jac = new double[d][d];
            for (int j = 0; j < d; j++) {
                INDArray plus = xi.dup();
                INDArray minus = xi.dup();
                plus.putScalar(0, j, xi.getDouble(0, j) + h);
                minus.putScalar(0, j, xi.getDouble(0, j) - h);
                INDArray diff = flow.forward(plus).sub(flow.forward(minus)).divi(2 * h);
                for (int i = 0; i < d; i++) {
                    jac[i][j] = diff.getDouble(0, i);
                }
            }
            INDArray z = flow.forward(xi);
            double logBase = -0.5 * z.mul(z).sumNumber().doubleValue() - 0.5 * d * Math.log(2 * Math.PI);
            double logDet = Math.log(Math.abs(TestSupport.determinant(jac)));
            assertEquals(logBase + logDet, lp[row], 1e-6, group + ": log p = log N(F(x)) + log|det ∂F/∂x|");
        }
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
        ResidualFlow flow = trained("c4", 2, 2);
        flow.useEngine(org.eqflow.core.Engine.GRAPH);
        INDArray batch = TestSupport.gaussian(21, 16, 2, 1.2);
        Objective o = flow.objective(batch, 0);
        double h = 1e-6;
        int checked = 0;
        for (Map.Entry<String, INDArray> e : flow.parameters().entrySet()) {
            INDArray p = e.getValue();
            double[] g = o.gradients().get(e.getKey());
            assertTrue(java.util.Arrays.stream(g).anyMatch(v -> v != 0), e.getKey() + " gets a gradient");
            for (long i = 0; i < p.length(); i += Math.max(1, p.length() / 3)) {
                double v = p.getDouble(i);
                p.putScalar(i, v + h);
                double up = flow.objective(batch, 0).loss();
                p.putScalar(i, v - h);
                double down = flow.objective(batch, 0).loss();
                p.putScalar(i, v);
                double numeric = (up - down) / (2 * h);
                assertTrue(TestSupport.close(g[(int) i], numeric, 1e-5, 1e-8),
                        e.getKey() + "[" + i + "]: analytic " + g[(int) i] + " vs numeric " + numeric);
                checked++;
            }
        }
        assertTrue(checked > 20);
    }

    @ParameterizedTest
    @CsvSource({"c8,2", "d3,4", "perm:3x2,6", "none,3"})
    void fusedEngineEqualsTheGraph(String group, int d) {
        ResidualFlow flow = trained(group, d, 3);
        INDArray batch = TestSupport.gaussian(23, 40, d, 1.4);
        flow.useEngine(org.eqflow.core.Engine.GRAPH);
        Objective graph = flow.objective(batch, 0);
        double[] graphLp = flow.exactLogDensity(batch);
        flow.useEngine(org.eqflow.core.Engine.FUSED);
        Objective fused = flow.objective(batch, 0);
        double[] fusedLp = flow.exactLogDensity(batch);
        assertEquals(graph.loss(), fused.loss(), 1e-9 * Math.max(1, Math.abs(graph.loss())), group + ": loss");
        for (int i = 0; i < graphLp.length; i++) {
            assertEquals(graphLp[i], fusedLp[i], 1e-9 * Math.max(1, Math.abs(graphLp[i])), group + ": log p");
        }
        assertEquals(graph.gradients().keySet(), fused.gradients().keySet());
        for (String name : graph.gradients().keySet()) {
            double[] a = graph.gradients().get(name);
            double[] b = fused.gradients().get(name);
            for (int i = 0; i < a.length; i++) {
                assertTrue(TestSupport.close(a[i], b[i], 1e-9, 1e-11), group + ": " + name + "[" + i + "] graph " + a[i] + " fused " + b[i]);
            }
        }
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
