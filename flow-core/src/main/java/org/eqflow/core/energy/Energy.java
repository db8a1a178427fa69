package org.eqflow.core.energy;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A scalar energy {@code E(x)} on {@code R^d}, evaluated row by row on a batch {@code [B, d]}.
 *
 * <p>The input gradient is built from ordinary forward ops (never from SameDiff's {@code grad()}),
 * so that a loss containing it can itself be differentiated with respect to the weights: the
 * Leap-Frog flow needs {@code ∇E} inside the forward graph, and training needs its weight gradient.
 */
public interface Energy {

    /** The input dimension {@code d}. */
    int dimension();

    /** {@code E(x)}, shape {@code [B, 1]}. */
    SDVariable value(SameDiff sd, SDVariable x);

    /** {@code ∇x E(x)}, shape {@code [B, d]}, as forward ops. */
    SDVariable gradient(SameDiff sd, SDVariable x);

    /**
     * This energy conditioned on a context {@code c} {@code [B, k]} (row {@code b} of {@code x} is evaluated at
     * row {@code b} of {@code c}): {@code E(x; c)}. An energy without context weights ignores the context and returns
     * itself, the default.
     */
    default Energy given(SameDiff sd, SDVariable context) {
        return this;
    }
}
