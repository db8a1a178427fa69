package org.eqflow.core.finite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.eqflow.core.Engine;
import org.eqflow.core.TestSupport;
import org.eqflow.core.model.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The float64 checks every finite flow family must pass, shared by the families' tests. */
final class FiniteFlowChecks {
    private FiniteFlowChecks() {
    }

    /** {@code log p = log N(F(x)) + log |det ∂F/∂x|} with the Jacobian by central differences, to 1e-6, for each row. */
    static void logDensityMatchesFiniteDifferenceJacobian(FiniteFlow flow, INDArray x, String what) {
        int d = flow.dimension();
        double[] lp = flow.exactLogDensity(x);
        double h = 1e-5;
        for (int row = 0; row < x.rows(); row++) {
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
            assertEquals(logBase + logDet, lp[row], 1e-6, what + ": log p = log N(F(x)) + log|det ∂F/∂x|");
        }
    }

    /** Every parameter's loss gradient (on the graph) against central differences, at a third of its entries. */
    static void lossGradientMatchesCentralDifferences(FiniteFlow flow, INDArray batch) {
        flow.useEngine(Engine.GRAPH);
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

    /** The hand-derived engine against the graph: loss, log-densities and every gradient to 1e-9. */
    static void fusedEngineEqualsTheGraph(FiniteFlow flow, INDArray batch, String what) {
        flow.useEngine(Engine.GRAPH);
        Objective graph = flow.objective(batch, 0);
        double[] graphLp = flow.exactLogDensity(batch);
        flow.useEngine(Engine.FUSED);
        Objective fused = flow.objective(batch, 0);
        double[] fusedLp = flow.exactLogDensity(batch);
        assertEquals(graph.loss(), fused.loss(), 1e-9 * Math.max(1, Math.abs(graph.loss())), what + ": loss");
        for (int i = 0; i < graphLp.length; i++) {
            assertEquals(graphLp[i], fusedLp[i], 1e-9 * Math.max(1, Math.abs(graphLp[i])), what + ": log p");
        }
        assertEquals(graph.gradients().keySet(), fused.gradients().keySet());
        for (String name : graph.gradients().keySet()) {
            double[] a = graph.gradients().get(name);
            double[] b = fused.gradients().get(name);
            for (int i = 0; i < a.length; i++) {
                assertTrue(TestSupport.close(a[i], b[i], 1e-9, 1e-11), what + ": " + name + "[" + i + "] graph " + a[i] + " fused " + b[i]);
            }
        }
    }
}
