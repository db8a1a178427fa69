package org.eqflow.core.symmetry;

import java.util.List;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A set of generators whose Poisson brackets with a function {@code F} are computed together:
 * {@code {g_k, F} = ∇q g_k · ∂F/∂p − ∇p g_k · ∂F/∂q} for every {@code k}, as one {@code [B, G]} result.
 * {@link GeneratorSet} does it generator by generator; {@link SpecialOrthogonal} vectorises so(k).
 */
public interface Symmetry {

    /** The dimension {@code d} it acts on. */
    int dimension();

    /** Its generators, in the column order of {@link #brackets}. */
    List<Generator> generators();

    /**
     * {@code {g_k, F}} for all generators, shape {@code [B, G]}.
     *
     * @param s     the states
     * @param gradF {@code (∂F/∂q, ∂F/∂p)} at those states
     */
    SDVariable brackets(SameDiff sd, PhaseState s, PhaseState gradF);

    /** The number of generators {@code G}. */
    default int size() {
        return generators().size();
    }

    /**
     * Coordinate subsets on which a radial energy is exactly invariant under this symmetry, for the hard
     * constraint; throws when no such description exists.
     */
    default List<int[]> invariantSubsets() {
        throw new IllegalArgumentException("symmetry " + generators().get(0).name()
                + " has no radial (hard-constraint) form: only so(k) symmetries do; use --constraint soft");
    }
}
