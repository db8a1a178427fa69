package org.eqflow.core.target;

import java.util.OptionalDouble;

/**
 * A density known up to its normaliser, {@code p(x) = exp(−E(x)) / Z}: what reverse-KL training approaches when
 * there are no samples, only an energy (Boltzmann generators, lattice field theory). {@code E} and its gradient
 * are plain Java, so a user's energy is a class implementing this interface ({@code --energy class:NAME}).
 *
 * <p>The gradient must be exact (the training objective's weight gradients pass through it); tests hold every
 * built-in one to central differences.
 */
public interface UnnormalisedTarget {

    /** The dimension {@code d} of a point. */
    int dimension();

    /** The energy {@code E(x) = −log p̃(x)}; {@code +∞} off the support. */
    double energy(double[] x);

    /**
     * {@code E(x)} and its gradient.
     *
     * @param x        the point, length {@code d}
     * @param gradient receives {@code ∂E/∂x}, length {@code d}
     * @return {@code E(x)}
     */
    double energyAndGradient(double[] x, double[] gradient);

    /** {@code log Z = log ∫ exp(−E)} where it is known exactly (closed form or quadrature); empty otherwise. */
    default OptionalDouble logNormaliser() {
        return OptionalDouble.empty();
    }

    /**
     * The symmetry under which {@code E} is invariant, as a {@code --symmetry} spec ({@code none} if there is
     * none to impose). {@code eqflow train --energy} imposes it by default where it is a rotation group (the hard
     * constraint).
     */
    default String symmetry() {
        return "none";
    }

    /** The specification {@link UnnormalisedTargets#parse} reads back, e.g. {@code ring:2,0.2}. */
    String spec();
}
