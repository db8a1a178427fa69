package org.eqflow.core.fused;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.model.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused path computes the graph's Lagrangian: same loss, same {@code −ELBO}, same {@code C_k} and the
 * same gradient of every parameter, in float64 to round-off (relative 1e-9 of each array's largest
 * entry; the issue asks for 1e-5), over every configuration the fused path supports; and in float32
 * to float32 accuracy. One Adam step from each path then leaves the same weights.
 */
class FusedParityTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("so2 soft, shared H, 2 steps", FlowConfig.builder(2).symmetry("so2").leapfrogSteps(2)),
                Arguments.of("so2 soft, separate H, 3 steps", FlowConfig.builder(2).symmetry("so2").leapfrogSteps(3)
                        .separateHamiltonians(true)),
                Arguments.of("quadratic kinetic, fixed steps", FlowConfig.builder(2).symmetry("so2").leapfrogSteps(2)
                        .kinetic(FlowConfig.Kinetic.QUADRATIC).learnableStepSize(false)),
                Arguments.of("no symmetry, 1 step", FlowConfig.builder(3).leapfrogSteps(1)),
                Arguments.of("so2 baseline (constraint none)", FlowConfig.builder(2).symmetry("so2")
                        .constraint(FlowConfig.Constraint.NONE)),
                Arguments.of("so3 on a subset of 4-D", FlowConfig.builder(4).symmetry("so3:0,2,3").leapfrogSteps(2)),
                Arguments.of("soft-uniform base", FlowConfig.builder(2).base("soft-uniform:4,4").leapfrogSteps(2)),
                Arguments.of("two so2 blocks, separate H", FlowConfig.builder(4).symmetries(java.util.List.of("so2:0,1", "so2:2,3"))
                        .separateHamiltonians(true).leapfrogSteps(2)),
                Arguments.of("penalty at base samples only (the paper)", FlowConfig.builder(3).symmetry("so3").leapfrogSteps(2)
                        .penaltySites(FlowConfig.PenaltySites.BASE)),
                Arguments.of("penalty where the data go, separate H, quadratic K, 4 steps", FlowConfig.builder(2).symmetry("so2")
                        .leapfrogSteps(4).separateHamiltonians(true).kinetic(FlowConfig.Kinetic.QUADRATIC)
                        .penaltySites(FlowConfig.PenaltySites.DATA_AND_BASE)),
                Arguments.of("penalty along the flow, shared H", FlowConfig.builder(3).symmetry("so3").leapfrogSteps(2)
                        .penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW)),
                Arguments.of("penalty along the flow, separate H, quadratic K", FlowConfig.builder(2).symmetry("so2").leapfrogSteps(3)
                        .separateHamiltonians(true).kinetic(FlowConfig.Kinetic.QUADRATIC)
                        .penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW)),
                Arguments.of("hard so2", FlowConfig.builder(2).symmetry("so2").constraint(FlowConfig.Constraint.HARD).leapfrogSteps(2)),
                Arguments.of("hard so3 on a subset of 5-D, separate H", FlowConfig.builder(5).symmetry("so3:0,2,4")
                        .constraint(FlowConfig.Constraint.HARD).separateHamiltonians(true).leapfrogSteps(2)),
                Arguments.of("hard, two so2 blocks, quadratic K", FlowConfig.builder(4).symmetries(java.util.List.of("so2:0,1", "so2:2,3"))
                        .constraint(FlowConfig.Constraint.HARD).kinetic(FlowConfig.Kinetic.QUADRATIC).leapfrogSteps(2)),
                Arguments.of("so(7) on 7 of 8 coordinates (brackets as matrix products)", FlowConfig.builder(8)
                        .symmetry("so7:0,1,2,3,4,5,7").leapfrogSteps(2)),
                Arguments.of("so(6) on every coordinate (brackets as matrix products, columns in place)", FlowConfig.builder(6)
                        .symmetry("so6").leapfrogSteps(2)),
                Arguments.of("so(6) + so(2) along the flow, separate H", FlowConfig.builder(8)
                        .symmetries(java.util.List.of("so6:0,1,2,3,4,5", "so2:6,7")).separateHamiltonians(true).leapfrogSteps(2)
                        .penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW)),
                Arguments.of("importance-weighted bound (K = 4), penalty where the data go", FlowConfig.builder(2).symmetry("so2")
                        .leapfrogSteps(2).trainingSamples(4).penaltySites(FlowConfig.PenaltySites.DATA_AND_BASE)),
                Arguments.of("importance-weighted bound (K = 3), hard so3", FlowConfig.builder(3).symmetry("so3")
                        .constraint(FlowConfig.Constraint.HARD).leapfrogSteps(2).trainingSamples(3)),
                Arguments.of("the docs' RigidRotation class", FlowConfig.builder(4)
                        .symmetry("class:org.eqflow.core.docs.RigidRotation").leapfrogSteps(2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void float64LossAndEveryGradientMatchTheGraph(String name, FlowConfig.Builder builder) {
        FlowConfig config = builder.hidden(16).stepSize(0.3).initialMultiplier(2.5).float64().seed(5).build();
        EquivariantHamiltonianFlow graph = perturbed(config);
        EquivariantHamiltonianFlow fused = perturbed(config);
        graph.useFusedPath(false);
        assertTrue(fused.usesFusedPath(), "the fused path is the default for " + name);
        INDArray x = TestSupport.gaussian(3, 24, config.dimension(), 1.3);

        assertGradientsEqual(graph.gradients(x, 7), fused.gradients(x, 7), 1e-9, 1e-13);
        TrainStep a = graph.trainStep(x);
        TrainStep b = fused.trainStep(x);
        assertEquals(a.loss(), b.loss(), 1e-10 * Math.abs(a.loss()), "loss");
        assertEquals(a.negElbo(), b.negElbo(), 1e-10 * Math.abs(a.negElbo()), "−ELBO");
        assertEquals(a.constraints().length, b.constraints().length);
        for (int k = 0; k < a.constraints().length; k++) {
            assertEquals(a.constraints()[k], b.constraints()[k], 1e-10 * a.constraints()[k] + 1e-15, "C_" + k);
        }
        for (String p : graph.parameterNames()) {
            assertGradientsEqual(Map.of(p, graph.graph().getVariable(p).getArr()), Map.of(p, fused.graph().getVariable(p).getArr()),
                    1e-9, 1e-13);
        }
    }

    /** IWAE log-densities (and ELBOs) equal the graph's, over more rows than one block of the fused path. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void float64LogDensitiesMatchTheGraph(String name, FlowConfig.Builder builder) {
        FlowConfig config = builder.hidden(16).stepSize(0.3).float64().seed(5).build();
        EquivariantHamiltonianFlow graph = perturbed(config);
        EquivariantHamiltonianFlow fused = perturbed(config);
        graph.useFusedPath(false);
        INDArray x = TestSupport.gaussian(4, 300, config.dimension(), 1.3);
        org.eqflow.core.objective.Iwae.Estimate[] a = graph.logDensity(x, 9, 11);
        org.eqflow.core.objective.Iwae.Estimate[] b = fused.logDensity(x, 9, 11);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].logDensity(), b[i].logDensity(), 1e-10 * Math.abs(a[i].logDensity()), "log p of row " + i);
            assertEquals(a[i].standardError(), b[i].standardError(), 1e-8 * a[i].standardError() + 1e-14, "s.e. of row " + i);
        }
        double[] ea = graph.elbo(x, 3);
        double[] eb = fused.elbo(x, 3);
        for (int i = 0; i < ea.length; i++) {
            assertEquals(ea[i], eb[i], 1e-10 * Math.abs(ea[i]), "ELBO of row " + i);
        }
    }

    /**
     * In float32 both paths round differently; each is compared with the float64 gradient at the same
     * weights. The fused path (float32 products, double element-wise work) must be at least as accurate
     * as the float32 graph, up to a factor 2, and within 1e-3 of each array's scale.
     */
    @ParameterizedTest(name = "d = {0}")
    @ValueSource(ints = {2, 10})   // 10: wider than SoftplusGradientF.NARROW_INPUT, W1's products on SGEMM
    void float32IsAsAccurateAsTheFloat32Graph(int d) {
        FlowConfig.Builder b = FlowConfig.builder(d).symmetry("so" + d).hidden(32).leapfrogSteps(2).initialMultiplier(2.5).seed(9);
        EquivariantHamiltonianFlow graph32 = perturbed(b.build());
        EquivariantHamiltonianFlow fused32 = perturbed(b.build());
        EquivariantHamiltonianFlow exact = perturbed(b.float64().build());
        graph32.useFusedPath(false);
        for (String p : exact.parameterNames()) {
            exact.graph().getVariable(p).getArr().assign(fused32.graph().getVariable(p).getArr());
        }
        INDArray x = TestSupport.gaussian(3, 64, d, 1.3);
        Map<String, INDArray> reference = exact.gradients(x, 2);
        double graphError = relativeError(reference, graph32.gradients(x, 2));
        double fusedError = relativeError(reference, fused32.gradients(x, 2));
        assertTrue(fusedError < 1e-3 && fusedError <= 2 * graphError + 1e-6,
                "float32 relative gradient error: fused " + fusedError + ", graph " + graphError);
        INDArray exactSamples = exact.sample(200, 4);
        INDArray fusedSamples = fused32.sample(200, 4).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        double sampleError = exactSamples.sub(fusedSamples).amaxNumber().doubleValue() / exactSamples.amaxNumber().doubleValue();
        assertTrue(sampleError < 1e-4, "float32 samples: relative error " + sampleError + " against float64");
    }

    /** The largest over parameters of {@code max|a − e| / max|e|}. */
    private static double relativeError(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        double worst = 0;
        for (String name : expected.keySet()) {
            double[] e = expected.get(name).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
            double[] a = actual.get(name).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
            double scale = 1e-30;
            double diff = 0;
            for (int i = 0; i < e.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                diff = Math.max(diff, Math.abs(e[i] - a[i]));
            }
            worst = Math.max(worst, diff / scale);
        }
        return worst;
    }

    /**
     * Two and three threads give the one-thread loss, gradients and log-densities up to summation order; with K
     * training samples the shards cut between groups of K rows (301 points: groups straddle an even cut).
     */
    @ParameterizedTest(name = "K = {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3})
    void shardsOnSeveralThreadsEqualOneThread(int trainingSamples) {
        FlowConfig config = FlowConfig.builder(3).symmetry("so3").hidden(16).leapfrogSteps(2).initialMultiplier(2.5)
                .trainingSamples(trainingSamples).float64().seed(5).build();
        EquivariantHamiltonianFlow one = perturbed(config);
        INDArray x = TestSupport.gaussian(3, 301, 3, 1.3);
        Map<String, INDArray> expected = one.gradients(x, 7);
        org.eqflow.core.objective.Iwae.Estimate[] logP = one.logDensity(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 40),
                org.nd4j.linalg.indexing.NDArrayIndex.all()), 8, 2);
        for (int threads : new int[] {2, 3}) {
            EquivariantHamiltonianFlow many = perturbed(config);
            many.setThreads(threads);
            assertGradientsEqual(expected, many.gradients(x, 7), 1e-12, 1e-15);
            org.eqflow.core.objective.Iwae.Estimate[] p = many.logDensity(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 40),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), 8, 2);
            for (int i = 0; i < p.length; i++) {
                assertEquals(logP[i].logDensity(), p[i].logDensity(), 1e-12 * Math.abs(logP[i].logDensity()), "row " + i);
            }
            TrainStep a = perturbed(config).trainStep(x);
            TrainStep b = many.trainStep(x);
            assertEquals(a.loss(), b.loss(), 1e-12 * Math.abs(a.loss()));
        }
    }

    /** Sampling, trajectories, the flow, {@code C_k} and the loss: the fused engine's equal the graph's. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void float64SamplesConstraintsAndLossMatchTheGraph(String name, FlowConfig.Builder builder) {
        FlowConfig config = builder.hidden(16).stepSize(0.3).initialMultiplier(2.5).float64().seed(5).build();
        EquivariantHamiltonianFlow graph = perturbed(config);
        EquivariantHamiltonianFlow fused = perturbed(config);
        graph.useFusedPath(false);
        assertClose(graph.sample(300, 4), fused.sample(300, 4), "samples");
        EquivariantHamiltonianFlow.Trajectory a = graph.trajectory(40, 6);
        EquivariantHamiltonianFlow.Trajectory b = fused.trajectory(40, 6);
        for (int i = 0; i < a.positions().size(); i++) {
            assertClose(a.positions().get(i), b.positions().get(i), "q of state " + i);
            assertClose(a.momenta().get(i), b.momenta().get(i), "p of state " + i);
        }
        INDArray q = TestSupport.gaussian(8, 30, config.dimension(), 1.0);
        INDArray p = TestSupport.gaussian(9, 30, config.dimension(), 1.0);
        INDArray[] fa = graph.forward(q, p);
        INDArray[] fb = fused.forward(q, p);
        assertClose(fa[0], fb[0], "T(q, p) positions");
        assertClose(fa[1], fb[1], "T(q, p) momenta");
        assertClose(graph.logJoint(q, p), fused.logJoint(q, p), "log π(T⁻¹(q, p))");
        assertClose(graph.encode(q, p), fused.encode(q, p), "encoder draws");
        assertClose(graph.encoderLogDensity(q, p), fused.encoderLogDensity(q, p), "log h(p|q)");
        double[] ca = graph.constraintViolations(200, 3);
        double[] cb = fused.constraintViolations(200, 3);
        for (int k = 0; k < ca.length; k++) {
            assertEquals(ca[k], cb[k], 1e-10 * ca[k] + 1e-15, "C_" + k);
        }
        INDArray x = TestSupport.gaussian(3, 24, config.dimension(), 1.3);
        assertEquals(graph.loss(x, 2), fused.loss(x, 2), 1e-10 * Math.abs(graph.loss(x, 2)), "loss");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .sub(actual.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-10 * scale + 1e-14, what + ": largest difference " + diff + " at scale " + scale);
    }

    /** A rotation generator without matrix(): the graph's ops only. */
    public static final class NoMatrixRotation implements org.eqflow.core.symmetry.Generator {
        private final org.eqflow.core.symmetry.LinearGenerator ops;

        public NoMatrixRotation(int dimension) {
            double[][] a = new double[dimension][dimension];
            a[0][1] = 1;
            a[1][0] = -1;
            ops = new org.eqflow.core.symmetry.LinearGenerator("rotation01", a);
        }

        @Override public String name() { return "no-matrix"; }
        @Override public int dimension() { return ops.dimension(); }
        @Override public org.nd4j.autodiff.samediff.SDVariable value(org.nd4j.autodiff.samediff.SameDiff sd,
                org.eqflow.core.flow.PhaseState s) { return ops.value(sd, s); }
        @Override public org.nd4j.autodiff.samediff.SDVariable gradQ(org.nd4j.autodiff.samediff.SameDiff sd,
                org.eqflow.core.flow.PhaseState s) { return ops.gradQ(sd, s); }
        @Override public org.nd4j.autodiff.samediff.SDVariable gradP(org.nd4j.autodiff.samediff.SameDiff sd,
                org.eqflow.core.flow.PhaseState s) { return ops.gradP(sd, s); }
    }

    @Test
    void aGeneratorWithoutMatrixStaysOnTheGraphAndSaysWhy() {
        FlowConfig config = FlowConfig.builder(2).symmetry("class:" + NoMatrixRotation.class.getName()).hidden(8).build();
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config);
        assertFalse(m.usesFusedPath());
        assertEquals("graph (generator no-matrix has no matrix(): it is not linear (pᵀAq))", m.engineDescription());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.useEngine(org.eqflow.core.Engine.FUSED));
        assertTrue(e.getMessage().contains("no-matrix"), e.getMessage());
        EquivariantHamiltonianFlow hard = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2")
                .constraint(FlowConfig.Constraint.HARD).hidden(8).build());
        assertEquals("fused", hard.engineDescription());
        hard.useEngine(org.eqflow.core.Engine.GRAPH);
        assertEquals("graph (asked for)", hard.engineDescription());
    }

    /** A fresh model with biases moved off zero, so no relu unit sits exactly on its kink. */
    private static EquivariantHamiltonianFlow perturbed(FlowConfig config) {
        return TestSupport.perturbBiases(EquivariantHamiltonianFlow.create(config));
    }

    private static void assertGradientsEqual(Map<String, INDArray> expected, Map<String, INDArray> actual, double rel, double abs) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            double[] e = expected.get(name).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
            double[] a = actual.get(name).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
            assertEquals(e.length, a.length, name);
            double scale = 0;
            for (double v : e) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], rel * scale + abs, name + "[" + i + "]");
            }
        }
    }
}
