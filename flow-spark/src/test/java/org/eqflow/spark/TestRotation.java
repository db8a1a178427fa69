package org.eqflow.spark;

import java.util.Optional;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.LinearGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A user's generator class (a rotation of the first two coordinates), for the model-file allow-list test. */
public final class TestRotation implements Generator {
    private final LinearGenerator rotation;

    /** Called for the spec {@code class:org.eqflow.spark.TestRotation}. */
    public TestRotation(int dimension) {
        double[][] a = new double[dimension][dimension];
        a[0][1] = 1;
        a[1][0] = -1;
        rotation = new LinearGenerator("rotation-01", a);
    }

    @Override
    public String name() {
        return rotation.name();
    }

    @Override
    public int dimension() {
        return rotation.dimension();
    }

    @Override
    public Optional<double[][]> matrix() {
        return rotation.matrix();
    }

    @Override
    public SDVariable value(SameDiff sd, PhaseState s) {
        return rotation.value(sd, s);
    }

    @Override
    public SDVariable gradQ(SameDiff sd, PhaseState s) {
        return rotation.gradQ(sd, s);
    }

    @Override
    public SDVariable gradP(SameDiff sd, PhaseState s) {
        return rotation.gradP(sd, s);
    }
}
