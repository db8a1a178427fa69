package org.eqflow.core.energy;

/**
 * A separable Hamiltonian {@code H(q, p) = K(p) + U(q)}: kinetic energy {@code K} of the momentum,
 * potential energy {@code U} of the position.
 */
public record Hamiltonian(Energy kinetic, Energy potential) {
    public Hamiltonian {
        if (kinetic.dimension() != potential.dimension()) {
            throw new IllegalArgumentException("K acts on dimension " + kinetic.dimension()
                    + " but U on dimension " + potential.dimension());
        }
    }

    /** The dimension d of positions and momenta. */
    public int dimension() {
        return potential.dimension();
    }
}
