package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Every trainable variable reaches the loss: its gradient is non-zero, under every constraint mode. */
class GradientCoverageTest {

    @ParameterizedTest
    @EnumSource(FlowConfig.Constraint.class)
    void everyVariableGetsANonZeroGradient(FlowConfig.Constraint constraint) {
        FlowConfig.Builder b = FlowConfig.builder(3).hidden(32).constraint(constraint).separateHamiltonians(true).seed(3);
        if (constraint != FlowConfig.Constraint.NONE) {
            b.symmetry("so3");
        }
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(b.build());
        Map<String, INDArray> grads = m.gradients(TestSupport.gaussian(1, 64, 3, 1.5), 0);
        for (String name : m.parameterNames()) {
            double norm = grads.get(name).norm2Number().doubleValue();
            assertTrue(norm > 0 && Double.isFinite(norm), name + " has gradient norm " + norm);
        }
    }
}
