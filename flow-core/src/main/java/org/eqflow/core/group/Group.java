package org.eqflow.core.group;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A group acting linearly and orthogonally on {@code R^d}: each element is a {@code d × d} orthogonal matrix
 * {@code R}, acting on a column vector as {@code x ↦ R x} (on a row of a data matrix as {@code x ↦ x Rᵀ}).
 * A density {@code p} is invariant when {@code p(R x) = p(x)} for every element; a map {@code g} is
 * equivariant when {@code g(R x) = R g(x)}.
 */
public interface Group {

    /** The specification string, e.g. {@code c8}, {@code d4}, {@code perm:4x2}, {@code so2}. */
    String spec();

    /** The dimension {@code d} of the space acted on. */
    int dimension();

    /** Whether the group has finitely many elements (then {@link #elements()} lists them all). */
    boolean isFinite();

    /**
     * Every element, the identity first (finite groups only).
     *
     * @throws UnsupportedOperationException for a continuous group
     */
    List<double[][]> elements();

    /** The number of elements (finite groups only). */
    default int order() {
        return elements().size();
    }

    /** An element drawn from the normalised Haar measure (uniform over the elements of a finite group). */
    double[][] sample(SplittableRandom rng);

    /**
     * The elements over which invariance is measured: all of them for a finite group; for a continuous one
     * {@code n} elements spread over it, none but the identity in a finite subgroup ({@link PlanarRotations#probe}).
     */
    List<double[][]> probe(int n);
}
