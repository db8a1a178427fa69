package org.eqflow.core.symmetry;

import java.util.Optional;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A symmetry generator: a scalar {@code g(q, p)} on phase space that acts by
 * {@code q ← q + ε ∂g/∂p}, {@code p ← p − ε ∂g/∂q} (docs/maths.md, "Symmetries"). Implement this for your own
 * symmetry: the value and both gradients as graph ops on a batch, each row one state.
 *
 * <p>Lemma 1 of Rezende et al. (arXiv:1909.13739): if {@code {g, H} = 0} and {@code {g, π} = 0} for
 * every generator, the flow density is invariant under the group they generate.
 */
public interface Generator {

    /** A short name used in reports, e.g. {@code so2(0,1)}. */
    String name();

    /** The dimension {@code d} of {@code q} (and {@code p}) it acts on. */
    int dimension();

    /** {@code g(q, p)}, shape {@code [B]}. */
    SDVariable value(SameDiff sd, PhaseState s);

    /** {@code ∂g/∂q}, shape {@code [B, d]}. */
    SDVariable gradQ(SameDiff sd, PhaseState s);

    /** {@code ∂g/∂p}, shape {@code [B, d]}. */
    SDVariable gradP(SameDiff sd, PhaseState s);

    /** For a linear generator {@code pᵀAq}, the matrix {@code A}: its group acts by {@code q ↦ e^{tA} q}. */
    default Optional<double[][]> matrix() {
        return Optional.empty();
    }
}
