package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.eqflow.core.eval.FlowEquivariance;
import org.eqflow.core.eval.TransportedIwae;
import org.eqflow.core.symmetry.GroupElement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The flow itself is equivariant, {@code T(R q, R p) = R T(q, p)}, to round-off when its energies are invariant (the
 * hard constraint), on both engines; a model without a constraint is not.
 */
class FlowEquivarianceTest {

    @ParameterizedTest
    @CsvSource({"2, so2", "3, so3", "3, 'so2:0,2'"})
    void hardModelsMapIsEquivariantToRoundOff(int d, String symmetry) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(d).hidden(16).symmetry(symmetry)
                .constraint(FlowConfig.Constraint.HARD).leapfrogSteps(3).separateHamiltonians(true).float64().seed(8).build());
        INDArray q = TestSupport.gaussian(3, 20, d, 1.5);
        INDArray p = TestSupport.gaussian(4, 20, d, 1.0);
        List<GroupElement> elements = TransportedIwae.randomElements(m.parts().symmetry().orElseThrow(), 5, 17);
        for (Engine engine : new Engine[] {Engine.GRAPH, Engine.AUTO}) {
            m.useEngine(engine);
            double error = FlowEquivariance.error(m, q, p, elements);
            assertTrue(error < 1e-10, engine + ": equivariance error of a hard model " + error);
        }
        INDArray[] end = m.forward(q, p);
        assertTrue(end[0].sub(q).norm2Number().doubleValue() > 0.1, "the flow moves the points");
    }

    @ParameterizedTest
    @CsvSource({"2, so2", "3, so3"})
    void unconstrainedModelsMapIsNot(int d, String symmetry) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(d).hidden(16).symmetry(symmetry)
                .constraint(FlowConfig.Constraint.NONE).float64().seed(8).build());
        INDArray q = TestSupport.gaussian(3, 20, d, 1.5);
        INDArray p = TestSupport.gaussian(4, 20, d, 1.0);
        double error = FlowEquivariance.error(m, q, p, TransportedIwae.randomElements(m.parts().symmetry().orElseThrow(), 5, 17));
        assertTrue(error > 1e-3, "a generic model's map is not equivariant: " + error);
    }
}
