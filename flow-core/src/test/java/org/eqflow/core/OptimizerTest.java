package org.eqflow.core;

import java.util.HashMap;
import java.util.Map;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.optim.AdamUpdate;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimiser step is Adam: on the first update every weight moves by the learning rate against the
 * sign of its gradient (bias-corrected m̂/√v̂ = g/|g|), up to Adam's ε (checked where |g| > 1e-4).
 */
class OptimizerTest {

    @Test
    void firstUpdateIsSignOfGradientTimesLearningRate() {
        double lr = 1e-3;
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).symmetry("so2")
                .learningRate(lr).float64().seed(1).build());
        INDArray x = TestSupport.gaussian(1, 32, 2, 1.0);
        Map<String, INDArray> grads = m.gradients(x, 0);
        Map<String, INDArray> before = new HashMap<>();
        for (String name : m.parameterNames()) {
            before.put(name, m.graph().getVariable(name).getArr().dup());
        }
        m.trainStep(x);
        for (String name : m.parameterNames()) {
            INDArray delta = m.graph().getVariable(name).getArr().sub(before.get(name));
            INDArray g = grads.get(name);
            for (long i = 0; i < delta.length(); i++) {
                double gi = g.getDouble(i);
                if (Math.abs(gi) > 1e-4) {
                    assertEquals(-Math.signum(gi) * lr, delta.getDouble(i), lr * 1e-2, name + "[" + i + "]");
                }
            }
        }
        assertEquals(1, m.iteration());
    }

    @Test
    void clippingBoundsTheStep() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8)
                .clipNorm(1e-3).float64().seed(1).build());
        TrainStep s = m.trainStep(TestSupport.gaussian(1, 32, 2, 1.0));
        assertTrue(s.gradientNorm() > 1e-3, "the raw gradient is larger than the clip threshold");
    }

    /**
     * The Java Adam equals ND4J's Adam updater over five steps, parameter and state ({@code [m | v]}), so
     * model files written when training used ND4J's updater resume the same.
     */
    @Test
    void javaAdamEqualsNd4jAdam() {
        double lr = 3e-3;
        INDArray paramJava = TestSupport.gaussian(2, 3, 4, 1.0);
        INDArray paramNd4j = paramJava.dup();
        INDArray stateJava = org.nd4j.linalg.factory.Nd4j.zeros(paramJava.dataType(), 1, 24);
        INDArray stateNd4j = stateJava.dup();
        org.nd4j.linalg.learning.GradientUpdater<?> nd4j = new org.nd4j.linalg.learning.config.Adam(lr).instantiate(stateNd4j, true);
        AdamUpdate java = new AdamUpdate();
        for (int t = 0; t < 5; t++) {
            INDArray g = TestSupport.gaussian(10 + t, 3, 4, 0.5);
            java.apply(paramJava, stateJava, g.dup('c').data().asDouble(), 1.0, lr, t);
            INDArray update = g.dup('c').reshape(1, 12);
            nd4j.applyUpdater(update, t, 0);
            paramNd4j.subi(update.reshape(3, 4));
        }
        for (long i = 0; i < 12; i++) {
            assertEquals(paramNd4j.getDouble(i), paramJava.getDouble(i), 1e-12, "parameter " + i);
        }
        for (long i = 0; i < 24; i++) {
            assertEquals(stateNd4j.getDouble(i), stateJava.getDouble(i), 1e-14, "state " + i);
        }
    }

    /**
     * {@code stage} reports an update that is not finite in the parameter's own precision — a NaN gradient, a float
     * weight beyond {@code Float.MAX_VALUE} — and leaves the parameter and its state untouched until {@code commit}.
     */
    @Test
    void stageReportsUpdatesThatAreNotFinite() {
        AdamUpdate adam = new AdamUpdate();
        INDArray param = TestSupport.gaussian(3, 2, 5, 1.0).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        INDArray state = org.nd4j.linalg.factory.Nd4j.zeros(param.dataType(), 1, 20);
        INDArray before = param.dup();
        double[] g = new double[10];
        java.util.Arrays.fill(g, 0.5);
        assertTrue(adam.stage("w", param, state, g, 1.0, 1e-3, 0), "an ordinary update is finite");
        g[7] = Double.NaN;
        assertTrue(!adam.stage("w", param, state, g, 1.0, 1e-3, 0), "a NaN gradient is not finite");
        g[7] = 0.5;
        assertTrue(!adam.stage("w", param, state, g, 1.0, 1e39, 0), "a float weight of ~1e39 is not finite in float");
        INDArray doubles = param.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        assertTrue(adam.stage("d", doubles, state.castTo(doubles.dataType()), g, 1.0, 1e39, 0), "the same weight is finite in double");
        assertEquals(before, param, "staging changes no weight");
        assertEquals(0.0, state.sumNumber().doubleValue(), "staging changes no state");
        adam.stage("w", param, state, g, 1.0, 1e-3, 0);
        adam.commit("w", param, state);
        assertEquals(-1e-3, param.getDouble(7) - before.getDouble(7), 1e-6, "the committed first step is −lr·sign(g)");
        assertEquals(0.05, state.getDouble(7), 1e-7, "m = (1 − β1)·g");
        assertEquals(2.5e-4, state.getDouble(17), 1e-9, "v = (1 − β2)·g²");
    }
}
