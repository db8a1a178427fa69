package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.eqflow.core.eval.TransportedIwae;
import org.eqflow.core.symmetry.GroupElement;
import org.eqflow.core.symmetry.Symmetry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Lemma 1 of the paper, numerically: with radial energies ({@code {g, H} = 0}) and the normal base
 * ({@code {g, π} = 0}), the estimated {@code log p(R q)} equals {@code log p(q)} to round-off for random
 * rotations {@code R}, using the transported proposal so that the encoder plays no part.
 */
class InvarianceTest {

    @ParameterizedTest
    @CsvSource({"2, so2", "3, so3", "3, 'so2:0,2'"})
    void radialModelIsInvariantToRoundOff(int d, String symmetry) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(d).hidden(16).symmetry(symmetry)
                .constraint(FlowConfig.Constraint.HARD).leapfrogSteps(3).separateHamiltonians(true).float64().seed(8).build());
        Symmetry sym = m.parts().symmetry().orElseThrow();
        INDArray x = TestSupport.gaussian(3, 20, d, 1.5);
        List<GroupElement> elements = TransportedIwae.randomElements(sym, 5, 17);
        double[][] lp = TransportedIwae.logDensities(m, x, elements, 8, 4);
        double spread = TransportedIwae.invarianceError(m, sym, x, 5, 8, 4);
        assertTrue(spread < 1e-10, "invariance error of an exactly invariant model: " + spread);
        for (double[] row : lp) {
            for (double v : row) {
                assertTrue(Double.isFinite(v));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"2, so2", "3, so3"})
    void unconstrainedModelIsNotInvariant(int d, String symmetry) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(d).hidden(16).symmetry(symmetry)
                .constraint(FlowConfig.Constraint.NONE).float64().seed(8).build());
        INDArray x = TestSupport.gaussian(3, 20, d, 1.5);
        double spread = TransportedIwae.invarianceError(m, m.parts().symmetry().orElseThrow(), x, 5, 8, 4);
        assertTrue(spread > 1e-4, "a generic model should not be invariant, spread " + spread);
    }
}
