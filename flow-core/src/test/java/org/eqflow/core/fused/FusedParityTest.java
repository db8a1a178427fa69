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
import org.eqflow.core.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
                        .separateHamiltonians(true).leapfrogSteps(2)));
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
    @Test
    void float32IsAsAccurateAsTheFloat32Graph() {
        FlowConfig.Builder b = FlowConfig.builder(2).symmetry("so2").hidden(32).leapfrogSteps(2).initialMultiplier(2.5).seed(9);
        EquivariantHamiltonianFlow graph32 = perturbed(b.build());
        EquivariantHamiltonianFlow fused32 = perturbed(b.build());
        EquivariantHamiltonianFlow exact = perturbed(b.float64().build());
        graph32.useFusedPath(false);
        for (String p : exact.parameterNames()) {
            exact.graph().getVariable(p).getArr().assign(fused32.graph().getVariable(p).getArr());
        }
        INDArray x = TestSupport.gaussian(3, 64, 2, 1.3);
        Map<String, INDArray> reference = exact.gradients(x, 2);
        double graphError = relativeError(reference, graph32.gradients(x, 2));
        double fusedError = relativeError(reference, fused32.gradients(x, 2));
        assertTrue(fusedError < 1e-3 && fusedError <= 2 * graphError + 1e-6,
                "float32 relative gradient error: fused " + fusedError + ", graph " + graphError);
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

    /** Two and three threads give the one-thread loss, gradients and log-densities up to summation order. */
    @Test
    void shardsOnSeveralThreadsEqualOneThread() {
        FlowConfig config = FlowConfig.builder(3).symmetry("so3").hidden(16).leapfrogSteps(2).initialMultiplier(2.5)
                .float64().seed(5).build();
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

    @Test
    void unsupportedModelsStayOnTheGraph() {
        FlowConfig hard = FlowConfig.builder(2).symmetry("so2").constraint(FlowConfig.Constraint.HARD).hidden(8).build();
        assertTrue(FusedLagrangian.unsupportedReason(hard).isPresent());
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(hard);
        assertFalse(m.usesFusedPath());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.useFusedPath(true));
        assertTrue(e.getMessage().contains("radial"), e.getMessage());
        FlowConfig alongFlow = FlowConfig.builder(2).symmetry("so2").penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW).hidden(8).build();
        assertTrue(FusedLagrangian.unsupportedReason(alongFlow).isPresent());
    }

    /** A fresh model with biases moved off zero, so no relu unit sits exactly on its kink. */
    private static EquivariantHamiltonianFlow perturbed(FlowConfig config) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config);
        long seed = 40;
        for (String name : m.parameterNames()) {
            INDArray p = m.graph().getVariable(name).getArr();
            if (name.matches(".*b\\d")) {
                p.addi(TestSupport.gaussian(seed++, 1, (int) p.length(), 0.1).reshape(p.shape()).castTo(p.dataType()));
            }
        }
        return m;
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
