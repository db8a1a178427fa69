/**
 * Densities on closed manifolds invariant under a group (docs/manifolds.md): the special unitary groups SU(n)
 * with conjugation (class functions, the Weyl integration formula over the eigen-angles), their Haar measure and
 * eigen-decomposition, and built-in targets whose normalisers, entropies and moments are computed exactly by
 * quadrature.
 */
package org.eqflow.core.manifold;
