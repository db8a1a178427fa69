/**
 * Densities on closed manifolds invariant under a group (docs/manifolds.md): the special unitary groups SU(n)
 * with conjugation (class functions, the Weyl integration formula over the eigen-angles, {@link
 * org.eqflow.core.manifold.SpectralFlow}) and the sphere S² with rotations about an axis ({@link
 * org.eqflow.core.manifold.SphereFlow}); their base measures, built-in targets whose normalisers, entropies and
 * moments are computed exactly by quadrature, and the fused engines' shared network and integrator.
 */
package org.eqflow.core.manifold;
