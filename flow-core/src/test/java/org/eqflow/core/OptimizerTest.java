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
}
