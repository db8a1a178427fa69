package org.eqflow.core.symmetry;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.flow.PhaseState;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A generator's matrix() must describe its graph ops; a model refuses one that does not. */
class MatrixCheckTest {

    /** Graph ops of the rotation of plane (0, 1); matrix() as given to the constructor. */
    public static final class Mislabelled implements Generator {
        private final LinearGenerator ops;
        private final double[][] claimed;

        Mislabelled(double[][] claimed) {
            double[][] a = new double[3][3];
            a[0][1] = 1;
            a[1][0] = -1;
            this.ops = new LinearGenerator("plane01", a);
            this.claimed = claimed;
        }

        /** For the class: spec: claims the plane (0, 2). */
        public Mislabelled(int dimension) {
            this(plane(0, 2, 1));
        }

        @Override public String name() { return "mislabelled"; }
        @Override public int dimension() { return 3; }
        @Override public SDVariable value(SameDiff sd, PhaseState s) { return ops.value(sd, s); }
        @Override public SDVariable gradQ(SameDiff sd, PhaseState s) { return ops.gradQ(sd, s); }
        @Override public SDVariable gradP(SameDiff sd, PhaseState s) { return ops.gradP(sd, s); }
        @Override public Optional<double[][]> matrix() { return Optional.of(claimed); }
    }

    static double[][] plane(int i, int j, double scale) {
        double[][] a = new double[3][3];
        a[i][j] = scale;
        a[j][i] = -scale;
        return a;
    }

    @Test
    void theRightMatrixPasses() {
        assertDoesNotThrow(() -> MatrixCheck.verify(new GeneratorSet(List.of(new Mislabelled(plane(0, 1, 1))))));
    }

    @Test
    void anotherPlaneAnotherSignOrAnotherScaleIsRefused() {
        for (double[][] wrong : List.of(plane(0, 2, 1), plane(0, 1, -1), plane(0, 1, 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MatrixCheck.verify(new GeneratorSet(List.of(new Mislabelled(wrong)))));
            assertTrue(e.getMessage().startsWith("generator mislabelled: its matrix() disagrees with its graph ops"), e.getMessage());
        }
    }

    @Test
    void aWrongShapeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatrixCheck.verify(new GeneratorSet(List.of(new Mislabelled(new double[2][2])))));
        assertTrue(e.getMessage().contains("must be 3×3"), e.getMessage());
    }

    @Test
    void aModelWithAMislabelledGeneratorIsNotBuilt() {
        FlowConfig config = FlowConfig.builder(3).hidden(4)
                .symmetry("class:" + Mislabelled.class.getName()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(config));
        assertTrue(e.getMessage().contains("mislabelled"), e.getMessage());
    }
}
