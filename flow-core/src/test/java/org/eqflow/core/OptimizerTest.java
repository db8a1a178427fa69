package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
