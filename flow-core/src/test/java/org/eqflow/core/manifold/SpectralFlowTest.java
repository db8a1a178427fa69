package org.eqflow.core.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The SU(n) flow's field, log-density, inverse and invariance against finite differences and exact identities (float64). */
class SpectralFlowTest {

    /** A flow far from the identity: the potential's output weights scaled up. */
    private static SpectralFlow strongFlow(int n, int steps) {
        SpectralFlow flow = SpectralFlow.create(new SpectralFlow.Config(n, 8, steps, 3));
        INDArray w3 = flow.parameters().get("phiW3");
        w3.muli(5.0);
        return flow;
    }

    private static double[][] angles(int count, int n, SplittableRandom rng) {
        double[][] theta = new double[count][n];
        for (double[] row : theta) {
            double sum = 0;
            for (int j = 0; j < n - 1; j++) {
                row[j] = (2 * rng.nextDouble() - 1) * Math.PI;
                sum += row[j];
            }
            row[n - 1] = -sum;
        }
        return theta;
    }

    /** v = P ∇Φ and div = tr(P ∇²Φ) + Σ cot((θ_j − θ_k)/2)(v_j − v_k), against central differences of Φ. */
    @Test
    void fieldIsTheProjectedGradientAndItsWeylDivergence() {
        int n = 3;
        SpectralFlow flow = strongFlow(n, 4);
        SplittableRandom rng = new SplittableRandom(5);
        double h = 1e-4;
        for (double[] theta : angles(5, n, rng)) {
            double t = 0.37;
            double[] at = flow.field(new double[][] {theta}, t)[0];
            double phi = at[n + 1];
            double[] g = new double[n];
            double[][] hess = new double[n][n];
            for (int a = 0; a < n; a++) {
                g[a] = (potential(flow, shift(theta, a, h, -1, 0), t) - potential(flow, shift(theta, a, -h, -1, 0), t)) / (2 * h);
                for (int b = 0; b < n; b++) {
                    hess[a][b] = (potential(flow, shift(theta, a, h, b, h), t) - potential(flow, shift(theta, a, h, b, -h), t)
                            - potential(flow, shift(theta, a, -h, b, h), t) + potential(flow, shift(theta, a, -h, b, -h), t)) / (4 * h * h);
                }
            }
            double mean = (g[0] + g[1] + g[2]) / n;
            double trace = 0;
            double all = 0;
            for (int a = 0; a < n; a++) {
                assertEquals(g[a] - mean, at[a], 1e-7, "velocity " + a);
                trace += hess[a][a];
                for (int b = 0; b < n; b++) {
                    all += hess[a][b];
                }
            }
            double div = trace - all / n;
            for (int j = 0; j < n; j++) {
                for (int k = j + 1; k < n; k++) {
                    div += (at[j] - at[k]) / Math.tan((theta[j] - theta[k]) / 2);
                }
            }
            assertEquals(div, at[n], 1e-5 * Math.max(1, Math.abs(div)), "divergence");
            assertTrue(Double.isFinite(phi));
        }
    }

    private static double potential(SpectralFlow flow, double[] theta, double t) {
        return flow.field(new double[][] {theta}, t)[0][theta.length + 1];
    }

    private static double[] shift(double[] theta, int a, double da, int b, double db) {
        double[] x = theta.clone();
        x[a] += da;
        if (b >= 0) {
            x[b] += db;
        }
        return x;
    }

    /**
     * The flow's log q equals the change of variables of the integrated map on the plane Σθ = 0 with respect to
     * the Weyl measure: {@code log q(φ(θ)) = log w(θ) − log w(φ(θ)) − log |det Dφ(θ)|}, Dφ by central differences.
     */
    @Test
    void logDensityIsTheJacobianOfTheIntegratedMap() {
        for (int n : new int[] {2, 3}) {
            SpectralFlow flow = strongFlow(n, 12);
            SplittableRandom rng = new SplittableRandom(7 + n);
            double[][] theta0 = angles(4, n, rng);
            SpectralFlow.Pass pass = flow.forward(theta0);
            double h = 1e-5;
            for (int i = 0; i < theta0.length; i++) {
                int m = n - 1;   // coordinates θ_1 … θ_{n−1}; θ_n = −their sum
                double[][] jac = new double[m][m];
                for (int c = 0; c < m; c++) {
                    double[] plus = theta0[i].clone();
                    double[] minus = theta0[i].clone();
                    plus[c] += h;
                    plus[n - 1] -= h;
                    minus[c] -= h;
                    minus[n - 1] += h;
                    double[][] ends = flow.forward(new double[][] {plus, minus}).angles();
                    for (int r = 0; r < m; r++) {
                        jac[r][c] = (ends[0][r] - ends[1][r]) / (2 * h);
                    }
                }
                double det = m == 1 ? jac[0][0] : jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
                double expected = Math.log(WeylIntegral.vandermonde(theta0[i])) - Math.log(WeylIntegral.vandermonde(pass.angles()[i]))
                        - Math.log(Math.abs(det));
                assertTrue(Math.abs(pass.logDensity()[i]) > 0.05, "the flow is far from the identity: " + pass.logDensity()[i]);
                // The ODE's log q and the discrete map's Jacobian differ by the integrator's error, O(h⁴): ~1e-6 per nat here.
                assertEquals(expected, pass.logDensity()[i], 1e-5 * (1 + Math.abs(expected)), "SU(" + n + ") point " + i);
            }
        }
    }

    /** Integrating back recovers the base angles and the same log q. */
    @Test
    void inverseUndoesTheForwardFlow() {
        SpectralFlow flow = strongFlow(3, 12);
        double[][] theta0 = angles(6, 3, new SplittableRandom(11));
        SpectralFlow.Pass there = flow.forward(theta0);
        SpectralFlow.Pass back = flow.inverse(there.angles());
        for (int i = 0; i < theta0.length; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(theta0[i][j], back.angles()[i][j], 1e-6, "angle");
            }
            assertEquals(there.logDensity()[i], back.logDensity()[i], 1e-5, "log q");
        }
    }

    /**
     * The fused engine equals the graph (float64): the field, both passes, and the reverse-KL loss with every
     * weight gradient, on SU(2), SU(3) and SU(4), far from the identity (the weights of the potential's output scaled).
     */
    @Test
    void fusedEngineEqualsTheGraph() {
        for (int n = 2; n <= WeylIntegral.MAX_N; n++) {
            SpectralFlow flow = SpectralFlow.create(new SpectralFlow.Config(n, 8, 3, 7, 3e-3, "su" + n + ":boyda2"));
            flow.parameters().get("phiW3").muli(5.0);
            double[][] theta0 = angles(16, n, new SplittableRandom(23 + n));
            double[][] graphField = flow.field(theta0, 0.3);
            double[][] fusedField = flow.fusedField(theta0, 0.3);
            for (int i = 0; i < theta0.length; i++) {
                for (int j = 0; j < n + 2; j++) {
                    assertEquals(graphField[i][j], fusedField[i][j], 1e-10 * (1 + Math.abs(graphField[i][j])), "field " + i + "," + j);
                }
            }
            for (boolean forwardInTime : new boolean[] {true, false}) {
                flow.useEngine(org.eqflow.core.Engine.GRAPH);
                SpectralFlow.Pass graph = forwardInTime ? flow.forward(theta0) : flow.inverse(theta0);
                flow.useEngine(org.eqflow.core.Engine.FUSED);
                SpectralFlow.Pass fused = forwardInTime ? flow.forward(theta0) : flow.inverse(theta0);
                for (int i = 0; i < theta0.length; i++) {
                    assertEquals(graph.logDensity()[i], fused.logDensity()[i], 1e-10 * (1 + Math.abs(graph.logDensity()[i])), "log q");
                    for (int j = 0; j < n; j++) {
                        assertEquals(graph.angles()[i][j], fused.angles()[i][j], 1e-10, "angle");
                    }
                }
            }
            assertSameGradients(flow, theta0, "SU(" + n + ") reverse KL");
            // maximum likelihood: the same weights, no target, −mean log q of the angles as data
            SpectralFlow.Saved saved = flow.state();
            SpectralFlow data = SpectralFlow.restore(new SpectralFlow.Saved(saved.config().withTarget(null), saved.parameters(),
                    saved.optimizer(), saved.iteration(), saved.learningRate(), saved.consecutiveSkips()));
            assertSameGradients(data, theta0, "SU(" + n + ") maximum likelihood");
        }
    }

    private static void assertSameGradients(SpectralFlow flow, double[][] theta0, String what) {
        {
            flow.useEngine(org.eqflow.core.Engine.GRAPH);
            SpectralFlow.Gradients graph = flow.gradients(theta0);
            flow.useEngine(org.eqflow.core.Engine.FUSED);
            SpectralFlow.Gradients fused = flow.gradients(theta0);
            assertEquals(graph.loss(), fused.loss(), 1e-10 * (1 + Math.abs(graph.loss())), what + " loss");
            for (var e : graph.byName().entrySet()) {
                double[] g = e.getValue();
                double[] f = fused.byName().get(e.getKey());
                double scale = 0;
                for (double x : g) {
                    scale = Math.max(scale, Math.abs(x));
                }
                assertTrue(scale > 1e-6, e.getKey() + " has a gradient");
                for (int i = 0; i < g.length; i++) {
                    assertEquals(g[i], f[i], 1e-9 * scale, what + " " + e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    /**
     * Training checks the integrator: a field too stiff for its one Runge–Kutta step gets more steps at the
     * 50th update, until the step-doubling error is within tolerance, and the graph is rebuilt to match.
     */
    @Test
    void trainingRefinesTheStepsOfAStiffField() {
        SpectralFlow flow = SpectralFlow.create(new SpectralFlow.Config(2, 8, 1, 3, 1e-6, "su2:boyda1"));
        flow.parameters().get("phiW3").muli(20.0);
        org.eqflow.core.train.HaarData haar = new org.eqflow.core.train.HaarData(2, 4);
        assertTrue(flow.integrationError(haar.batch(0, 64)) > SpectralFlow.STEP_TOLERANCE, "the field is stiff for 1 step");
        for (int i = 0; i < SpectralFlow.CHECK_EVERY; i++) {
            flow.trainStep(haar.batch(i, 16));
        }
        int steps = flow.config().steps();
        assertTrue(steps > 1, "steps " + steps);
        assertTrue(flow.integrationError(haar.batch(SpectralFlow.CHECK_EVERY - 1, 64)) <= SpectralFlow.STEP_TOLERANCE
                || steps == SpectralFlow.MAX_STEPS, "refined to " + steps);
        double[][] theta0 = angles(8, 2, new SplittableRandom(29));
        SpectralFlow.Pass fused = flow.forward(theta0);
        flow.useEngine(org.eqflow.core.Engine.GRAPH);
        SpectralFlow.Pass graph = flow.forward(theta0);
        for (int i = 0; i < theta0.length; i++) {
            assertEquals(graph.logDensity()[i], fused.logDensity()[i], 1e-9 * (1 + Math.abs(graph.logDensity()[i])), "the rebuilt graph");
        }
    }

    /** log q is a class function: conjugating by any V leaves it unchanged. */
    @Test
    void densityIsConjugationInvariant() {
        SpectralFlow flow = strongFlow(3, 8);
        SplittableRandom rng = new SplittableRandom(13);
        List<ComplexMatrix> u = flow.sample(5, rng);
        List<ComplexMatrix> conjugated = u.stream().map(m -> {
            ComplexMatrix v = SpecialUnitary.haar(3, rng);
            return v.times(m).times(v.adjoint());
        }).toList();
        double[] a = flow.logDensity(u);
        double[] b = flow.logDensity(conjugated);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-8, "sample " + i);
        }
    }

    /**
     * Reverse-KL training with the defaults (hidden 32, 8 steps, learning rate 3e-3, Haar batches of 128) moves the
     * flow to the target: the ESS of its importance weights rises from Haar's 0.31 to above 0.9 in 300 updates,
     * and log Ẑ agrees with the quadrature's log Z.
     */
    @Test
    void reverseKlTrainingReachesTheTarget() {
        SpectralFlow flow = SpectralFlow.create(SpectralFlow.Config.defaults(2, 1, "su2:boyda1"));
        SuTarget target = flow.target();
        double before = flow.importance(2000, new SplittableRandom(3)).ess();
        org.eqflow.core.train.HaarData haar = new org.eqflow.core.train.HaarData(2, 1);
        for (int i = 0; i < 300; i++) {
            flow.trainStep(haar.batch(i, 128));
        }
        org.eqflow.core.eval.Importance after = flow.importance(4000, new SplittableRandom(3));
        assertTrue(before < 0.35 && after.ess() > 0.9, "ESS " + before + " -> " + after.ess());
        assertEquals(target.logNormaliser(), after.logZ(), 5 * after.logZStderr() + 0.01, "log Ẑ");
    }
}
