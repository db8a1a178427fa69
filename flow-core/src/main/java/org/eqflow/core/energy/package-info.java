/**
 * Energies {@code E(x)} that own their weights and build their value and their input gradient as
 * SameDiff forward ops: the softplus MLP, its exactly rotation-invariant radial variant, and the fixed
 * quadratic kinetic energy; {@link org.eqflow.core.energy.Hamiltonian} pairs a kinetic and a potential.
 */
package org.eqflow.core.energy;
