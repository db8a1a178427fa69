/**
 * Symmetry generators and their Poisson brackets: the {@link org.eqflow.core.symmetry.Generator} contract
 * users implement, linear Lie-algebra generators {@code pᵀAq}, vectorised so(k) bases on coordinate
 * subsets, and the finite group elements used to measure invariance.
 */
package org.eqflow.core.symmetry;
