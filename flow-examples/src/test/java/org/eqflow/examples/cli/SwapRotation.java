package org.eqflow.examples.cli;

import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.LinearGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A user generator (rotations of the plane) that a model file names as {@code class:}. */
public final class SwapRotation implements Generator {
    private final LinearGenerator linear = new LinearGenerator("swap", new double[][] {{0, 1}, {-1, 0}});

    public SwapRotation(int dimension) {
        if (dimension != 2) {
            throw new IllegalArgumentException("SwapRotation acts on the plane");
        }
    }

    @Override public String name() { return linear.name(); }
    @Override public int dimension() { return 2; }
    @Override public SDVariable value(SameDiff sd, PhaseState s) { return linear.value(sd, s); }
    @Override public SDVariable gradQ(SameDiff sd, PhaseState s) { return linear.gradQ(sd, s); }
    @Override public SDVariable gradP(SameDiff sd, PhaseState s) { return linear.gradP(sd, s); }
}
