package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Data-parallel training rests on one identity: the objective of a batch is the row-weighted sum of the objectives
 * of its slices, each slice drawing exactly the noise its rows get in the whole batch. Checked on both engines, with
 * the soft constraint at the data and base sites, the hard constraint, none, and the importance-weighted bound; then
 * three updates from summed slices leave the weights (and multipliers) of three whole-batch updates, in float64.
 */
class SliceObjectiveTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("soft so2, penalty at data and base, fused", FlowConfig.builder(2).symmetry("so2"), Engine.FUSED),
                Arguments.of("soft so2, penalty at data and base, graph", FlowConfig.builder(2).symmetry("so2"), Engine.GRAPH),
                Arguments.of("soft so3 along the flow, K = 3, fused", FlowConfig.builder(3).symmetry("so3").trainingSamples(3)
                        .penaltySites(FlowConfig.PenaltySites.BASE_AND_FLOW), Engine.FUSED),
                Arguments.of("hard so2, K = 2, graph", FlowConfig.builder(2).symmetry("so2").constraint(FlowConfig.Constraint.HARD)
                        .trainingSamples(2), Engine.GRAPH),
                Arguments.of("no symmetry, standardised data, fused", FlowConfig.builder(3).centre(java.util.List.of(1.0, -2.0, 0.5))
                        .scale(2.0), Engine.FUSED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void slicesSumToTheBatchAndTheirUpdatesToItsUpdates(String name, FlowConfig.Builder builder, Engine engine) {
        FlowConfig config = builder.hidden(8).leapfrogSteps(2).initialMultiplier(1.5).float64().seed(3).build();
        EquivariantHamiltonianFlow whole = EquivariantHamiltonianFlow.create(config);
        EquivariantHamiltonianFlow sliced = EquivariantHamiltonianFlow.create(config);
        whole.useEngine(engine);
        sliced.useEngine(engine);
        int[] cuts = {0, 5, 6, 13};
        for (int step = 0; step < 3; step++) {
            INDArray batch = TestSupport.gaussian(20 + step, 13, config.dimension(), 1.4);
            Objective expected = whole.objective(batch, whole.iteration());
            Objective sum = sum(sliced, batch, cuts);
            assertEquals(expected.loss(), sum.loss(), 1e-11 * Math.abs(expected.loss()), name + ": loss");
            assertEquals(expected.dataTerm(), sum.dataTerm(), 1e-11 * Math.abs(expected.dataTerm()), name + ": data term");
            assertEquals(expected.constraints().length, sum.constraints().length);
            for (int k = 0; k < expected.constraints().length; k++) {
                assertEquals(expected.constraints()[k], sum.constraints()[k], 1e-11 * expected.constraints()[k] + 1e-15, "C_" + k);
            }
            for (String p : expected.gradients().keySet()) {
                double[] e = expected.gradients().get(p);
                double[] a = sum.gradients().get(p);
                double scale = java.util.Arrays.stream(e).map(Math::abs).max().orElse(0);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 1e-10 * scale + 1e-15, name + ": ∂/∂" + p + "[" + i + "]");
                }
            }
            TrainStep a = whole.trainStep(batch);
            TrainStep b = sliced.applyStep(sum);
            assertEquals(a.iteration(), b.iteration());
            assertEquals(a.loss(), b.loss(), 1e-11 * Math.abs(a.loss()));
        }
        for (Map.Entry<String, INDArray> e : whole.parameters().entrySet()) {
            INDArray other = sliced.parameters().get(e.getKey());
            assertEquals(0.0, e.getValue().sub(other).amaxNumber().doubleValue(), 1e-12, name + ": weights " + e.getKey());
        }
        double[] lw = whole.multipliers();
        double[] ls = sliced.multipliers();
        for (int k = 0; k < lw.length; k++) {
            assertEquals(lw[k], ls[k], 1e-12, "λ_" + k);
        }
    }

    /** The row-weighted sum of the slices' objectives, at the model's current iteration. */
    private static Objective sum(EquivariantHamiltonianFlow model, INDArray batch, int[] cuts) {
        long total = batch.rows();
        double loss = 0;
        double data = 0;
        double[] constraints = null;
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (int s = 0; s + 1 < cuts.length; s++) {
            INDArray slice = batch.get(NDArrayIndex.interval(cuts[s], cuts[s + 1]), NDArrayIndex.all()).dup();
            Objective o = model.sliceObjective(slice, model.iteration(), cuts[s], total, model.multipliers());
            double w = (cuts[s + 1] - cuts[s]) / (double) total;
            loss += w * o.loss();
            data += w * o.dataTerm();
            if (constraints == null) {
                constraints = new double[o.constraints().length];
            }
            for (int k = 0; k < constraints.length; k++) {
                constraints[k] += w * o.constraints()[k];
            }
            o.gradients().forEach((p, g) -> {
                double[] acc = grads.computeIfAbsent(p, x -> new double[g.length]);
                for (int i = 0; i < g.length; i++) {
                    acc[i] += w * g[i];
                }
            });
        }
        return new Objective(loss, data, constraints, grads);
    }

    @org.junit.jupiter.api.Test
    void aSliceOutsideTheBatchIsRefused() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).float64().build());
        INDArray x = TestSupport.gaussian(1, 4, 2, 1.0);
        assertThrows(IllegalArgumentException.class, () -> m.sliceObjective(x, 0, 7, 10, null));
        assertThrows(IllegalArgumentException.class, () -> m.sliceObjective(x, 0, -1, 10, null));
    }
}
