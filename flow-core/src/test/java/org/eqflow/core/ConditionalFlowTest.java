package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.objective.Iwae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Conditional densities {@code p(x | c)}: rows {@code [x | c]}, the context entering the first layer of every MLP.
 * Both engines compute the same Lagrangian, gradients, log-densities and flows (float64, 1e-9); the gradients of
 * the context weights equal central differences; a hard model is invariant in {@code x} at every context; the
 * context changes the density; the model file keeps the context's scaling.
 */
class ConditionalFlowTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("soft so2, penalty where the data go, k = 2", FlowConfig.builder(2).symmetry("so2").leapfrogSteps(2)
                        .contextSize(2).penaltySites(FlowConfig.PenaltySites.DATA_AND_BASE)),
                Arguments.of("soft so3 along the flow, shared H, K = 1, k = 1", FlowConfig.builder(3).symmetry("so3").leapfrogSteps(2)
                        .separateHamiltonians(false).trainingSamples(1).contextSize(1)
                        .penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW)),
                Arguments.of("hard so2 on 3-D, K = 3, k = 1", FlowConfig.builder(3).symmetry("so2:0,1")
                        .constraint(FlowConfig.Constraint.HARD).leapfrogSteps(2).trainingSamples(3).contextSize(1)),
                Arguments.of("no symmetry, quadratic K, k = 3", FlowConfig.builder(2).leapfrogSteps(2)
                        .kinetic(FlowConfig.Kinetic.QUADRATIC).contextSize(3)),
                Arguments.of("so(6) brackets as matrix products, k = 2", FlowConfig.builder(6).symmetry("so6").leapfrogSteps(1)
                        .contextSize(2)));
    }

    private static FlowConfig config(FlowConfig.Builder b) {
        int k = b.build().contextSize();
        List<Double> centre = new java.util.ArrayList<>();
        List<Double> scale = new java.util.ArrayList<>();
        for (int i = 0; i < k; i++) {
            centre.add(0.5 * i - 0.3);
            scale.add(1.0 + 0.7 * i);
        }
        return b.hidden(12).stepSize(0.3).initialMultiplier(2.5).contextScaling(centre, scale).float64().seed(5).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void bothEnginesComputeTheSameModel(String name, FlowConfig.Builder builder) {
        FlowConfig config = config(builder);
        EquivariantHamiltonianFlow graph = perturbed(config);
        EquivariantHamiltonianFlow fused = perturbed(config);
        graph.useFusedPath(false);
        assertTrue(fused.usesFusedPath(), "the fused engine takes conditional models: " + name);
        INDArray x = TestSupport.gaussian(3, 24, config.rowWidth(), 1.3);
        assertEqual(graph.gradients(x, 7), fused.gradients(x, 7));
        assertEquals(graph.loss(x, 2), fused.loss(x, 2), 1e-10 * Math.abs(graph.loss(x, 2)), "loss");

        INDArray many = TestSupport.gaussian(4, 300, config.rowWidth(), 1.3);
        Iwae.Estimate[] a = graph.logDensity(many, 9, 11);
        Iwae.Estimate[] b = fused.logDensity(many, 9, 11);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].logDensity(), b[i].logDensity(), 1e-10 * Math.abs(a[i].logDensity()), "log p of row " + i);
        }
        INDArray contexts = TestSupport.gaussian(6, 50, config.contextSize(), 2.0);
        assertClose(graph.sample(contexts, 4), fused.sample(contexts, 4), "samples");
        EquivariantHamiltonianFlow.Trajectory ta = graph.trajectory(contexts, 6);
        EquivariantHamiltonianFlow.Trajectory tb = fused.trajectory(contexts, 6);
        for (int i = 0; i < ta.positions().size(); i++) {
            assertClose(ta.positions().get(i), tb.positions().get(i), "q of state " + i);
        }
        INDArray q = TestSupport.gaussian(8, 30, config.rowWidth(), 1.0);
        INDArray p = TestSupport.gaussian(9, 30, config.dimension(), 1.0);
        assertClose(graph.forward(q, p)[0], fused.forward(q, p)[0], "T(q, p) positions");
        assertClose(graph.logJoint(q, p), fused.logJoint(q, p), "log π(T⁻¹(q, p))");
        assertClose(graph.encode(q, p), fused.encode(q, p), "encoder draws");
        assertClose(graph.encoderLogDensity(q, p), fused.encoderLogDensity(q, p), "log h(p|q, c)");
        double[] ca = graph.constraintViolations(200, 3, contexts);
        double[] cb = fused.constraintViolations(200, 3, contexts);
        for (int k = 0; k < ca.length; k++) {
            assertEquals(ca[k], cb[k], 1e-10 * ca[k] + 1e-15, "C_" + k);
        }
    }

    /** Every element of every context weight, and every fifth of the others, against central differences (float64). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void gradientsEqualCentralDifferences(String name, FlowConfig.Builder builder) {
        EquivariantHamiltonianFlow m = perturbed(config(builder));
        INDArray x = TestSupport.gaussian(12, 9, m.config().rowWidth(), 1.4);
        Map<String, INDArray> grads = m.gradients(x, 4);
        int checked = 0;
        for (String p : m.parameterNames()) {
            INDArray flat = m.graph().getVariable(p).getArr().reshape(-1);
            for (long i = 0; i < flat.length(); i += p.endsWith("V1") ? 1 : 5) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + 1e-6);
                double plus = m.loss(x, 4);
                flat.putScalar(i, orig - 1e-6);
                double minus = m.loss(x, 4);
                flat.putScalar(i, orig);
                double numeric = (plus - minus) / 2e-6;
                double analytic = grads.get(p).reshape(-1).getDouble(i);
                assertTrue(TestSupport.close(analytic, numeric, 1e-4, 1e-8), name + ": " + p + "[" + i + "] analytic "
                        + analytic + " numeric " + numeric);
                checked++;
            }
        }
        assertTrue(m.parameterNames().stream().filter(n -> n.endsWith("V1")).count() >= 2, "context weights in K/U and the encoder");
        assertTrue(checked > 100, "checked " + checked);
    }

    /**
     * {@code ∂L/∂c} of the data rows and of the penalty's rows (what a DL4J network passes to the layers computing the context)
     * against central differences of the loss in every context value, float64; float32 within 1e-3 of it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void contextGradientEqualsCentralDifferences(String name, FlowConfig.Builder builder) {
        FlowConfig config = config(builder);
        EquivariantHamiltonianFlow m = perturbed(config);
        int d = config.dimension();
        int k = config.contextSize();
        int rows = 6 * config.trainingSamples();
        INDArray q = TestSupport.gaussian(21, rows, config.rowWidth(), 1.2);
        INDArray noise = TestSupport.gaussian(22, rows, d, 1.0);
        boolean symmetric = config.generatorCount() > 0;
        INDArray penaltyQ = symmetric ? TestSupport.gaussian(23, 5, config.rowWidth(), 1.0) : null;
        INDArray penaltyP = symmetric ? TestSupport.gaussian(24, 5, d, 1.0) : null;
        double[] lambda = config.constraint() == FlowConfig.Constraint.SOFT ? new double[] {0.7, 1.3, 2.1, 0.4, 0.9, 1.1, 0.5, 0.8,
            1.7, 0.6, 1.2, 0.3, 1.4, 0.2, 1.9} : null;
        if (lambda != null) {
            lambda = java.util.Arrays.copyOf(lambda, config.generatorCount());
        }
        EquivariantHamiltonianFlow.ContextObjective o = m.objectiveWithContextGradient(q, noise, penaltyQ, penaltyP, lambda);
        assertEquals(m.objective(q, noise, penaltyQ, penaltyP, lambda).loss(), o.objective().loss(), 1e-12, "the same loss");
        for (INDArray at : symmetric ? List.of(q, penaltyQ) : List.of(q)) {
            INDArray analytic = at == q ? o.contextGradient() : o.penaltyContextGradient();
            for (int r = 0; r < at.rows(); r++) {
                for (int j = 0; j < k; j++) {
                    double orig = at.getDouble(r, d + j);
                    at.putScalar(r, d + j, orig + 1e-6);
                    double plus = m.objective(q, noise, penaltyQ, penaltyP, lambda).loss();
                    at.putScalar(r, d + j, orig - 1e-6);
                    double minus = m.objective(q, noise, penaltyQ, penaltyP, lambda).loss();
                    at.putScalar(r, d + j, orig);
                    double numeric = (plus - minus) / 2e-6;
                    assertTrue(TestSupport.close(analytic.getDouble(r, j), numeric, 1e-4, 1e-9), name + ": ∂L/∂c of "
                            + (at == q ? "data" : "penalty") + " row " + r + ", column " + j + ": analytic " + analytic.getDouble(r, j)
                            + " numeric " + numeric);
                }
            }
        }
        EquivariantHamiltonianFlow narrow = EquivariantHamiltonianFlow.create(config.toBuilder().precision(FlowConfig.Precision.FLOAT32).build());
        for (String p : m.parameterNames()) {
            narrow.graph().getVariable(p).getArr().assign(m.graph().getVariable(p).getArr());
        }
        INDArray f32 = narrow.objectiveWithContextGradient(q, noise, penaltyQ, penaltyP, lambda).contextGradient();
        double scale = o.contextGradient().amaxNumber().doubleValue();
        double diff = o.contextGradient().sub(f32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-3 * scale + 1e-6, name + ": float32 context gradient off by " + diff + " at scale " + scale);
    }

    /** The hard constraint holds at every context: {@code log π(T⁻¹(Rq, Rp; c)) = log π(T⁻¹(q, p; c))}. */
    @Test
    void hardModelIsInvariantInXAtEveryContext() {
        EquivariantHamiltonianFlow m = perturbed(config(FlowConfig.builder(2).symmetry("so2").constraint(FlowConfig.Constraint.HARD)
                .leapfrogSteps(3).contextSize(1)));
        INDArray q = TestSupport.gaussian(1, 40, 2, 1.5);
        INDArray p = TestSupport.gaussian(2, 40, 2, 1.0);
        for (double c : new double[] {-3, 0, 0.4, 5}) {
            INDArray ctx = Nd4j.valueArrayOf(new long[] {40, 1}, c, DataType.DOUBLE);
            INDArray base = m.logJoint(Nd4j.hstack(q, ctx), p);
            for (double angle : new double[] {0.3, 2.0, -1.1}) {
                INDArray r = Nd4j.create(new double[][] {{Math.cos(angle), Math.sin(angle)}, {-Math.sin(angle), Math.cos(angle)}});
                INDArray rotated = m.logJoint(Nd4j.hstack(q.mmul(r), ctx), p.mmul(r));
                assertClose(base, rotated, "log p(Rq, Rp | c = " + c + ")");
            }
        }
    }

    /** The context is not ignored: the same point has different densities at different contexts. */
    @Test
    void theContextChangesTheDensity() {
        EquivariantHamiltonianFlow m = perturbed(config(FlowConfig.builder(2).symmetry("so2").contextSize(1)));
        INDArray x = TestSupport.gaussian(3, 20, 2, 1.0);
        INDArray a = m.toModelSpace(Nd4j.hstack(x, Nd4j.valueArrayOf(new long[] {20, 1}, -2.0, DataType.DOUBLE)));
        INDArray b = m.toModelSpace(Nd4j.hstack(x, Nd4j.valueArrayOf(new long[] {20, 1}, 2.0, DataType.DOUBLE)));
        INDArray p = TestSupport.gaussian(4, 20, 2, 1.0);
        double diff = m.logJoint(a, p).sub(m.logJoint(b, p)).amaxNumber().doubleValue();
        assertTrue(diff > 1e-3, "log p changes with the context by " + diff);
    }

    @Test
    void rowsWithoutTheContextAndSamplingWithoutContextsAreRefused() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").contextSize(2).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.logDensity(Nd4j.zeros(3, 2), 4, 1));
        assertTrue(e.getMessage().contains("[n, 4] (2 coordinates, then 2 context values)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.sample(10, 1));
        assertTrue(e.getMessage().contains("sample(contexts, seed)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.sample(Nd4j.zeros(3, 3), 1));
        assertTrue(e.getMessage().contains("[n, 2]"), e.getMessage());
        assertEquals(5, m.sample(Nd4j.zeros(5, 2), 1).rows());
        INDArray at = m.sample(new double[] {0.5, -1}, 4, 2);
        assertEquals(4, at.rows());
        assertClose(m.sample(Nd4j.create(new double[][] {{0.5, -1}, {0.5, -1}, {0.5, -1}, {0.5, -1}}), 2), at, "n draws at one context");
        INDArray x = TestSupport.gaussian(5, 3, 2, 1.0);
        INDArray c = TestSupport.gaussian(6, 3, 2, 1.0);
        assertEquals(m.logDensity(Nd4j.hstack(x, c), 4, 1)[2].logDensity(), m.logDensity(x, c, 4, 1)[2].logDensity(), 1e-12);
    }

    @Test
    void theModelFileKeepsTheContextAndItsScaling(@TempDir Path dir) throws Exception {
        EquivariantHamiltonianFlow a = perturbed(config(FlowConfig.builder(2).symmetry("so2").contextSize(2)));
        a.trainStep(TestSupport.gaussian(1, 32, 4, 1.0));
        Path file = dir.resolve("conditional.eqflow");
        ModelFile.save(a, file, false);
        EquivariantHamiltonianFlow b = ModelFile.load(file);
        assertEquals(a.config(), b.config());
        assertEquals(List.of(1.0, 1.7), b.config().contextScale());
        INDArray x = TestSupport.gaussian(2, 20, 4, 1.0);
        Iwae.Estimate[] ea = a.logDensity(x, 8, 3);
        Iwae.Estimate[] eb = b.logDensity(x, 8, 3);
        for (int i = 0; i < ea.length; i++) {
            assertEquals(ea[i].logDensity(), eb[i].logDensity(), 1e-12);
        }
        assertTrue(Files.size(file) > 0);
    }

    /** Data-space rows map their context per column: {@code (c − centre)/scale}. */
    @Test
    void theContextIsScaledPerColumn() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(1).contextSize(2)
                .contextScaling(List.of(1.0, -2.0), List.of(2.0, 4.0)).centre(List.of(0.5)).scale(2.0).float64().build());
        INDArray row = m.toModelSpace(Nd4j.create(new double[][] {{2.5, 3.0, 6.0}}));
        assertClose(Nd4j.create(new double[][] {{1.0, 1.0, 2.0}}), row, "model-space row");
        assertEquals(1, m.sample(Nd4j.zeros(1, 2), 3).columns());
        assertEquals(2, m.toModelSpace(Nd4j.zeros(1, 3)).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3)).columns());
    }

    private static EquivariantHamiltonianFlow perturbed(FlowConfig config) {
        return TestSupport.perturbBiases(EquivariantHamiltonianFlow.create(config));
    }

    private static void assertEqual(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertClose(expected.get(k), actual.get(k), "gradient of " + k);
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        double scale = e.amaxNumber().doubleValue();
        double diff = e.sub(actual.castTo(DataType.DOUBLE).reshape(e.shape())).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-9 * scale + 1e-13, what + ": largest difference " + diff + " at scale " + scale);
    }
}
