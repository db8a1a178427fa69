/**
 * Equivariant finite flows (Bose, Brubaker, Kobyzev, arXiv:2110.08649): discrete invertible layers that
 * commute with a group, pushing a standard normal to a density invariant under that group with an exact
 * log-likelihood. G-residual blocks ({@link org.eqflow.core.finite.ResidualFlow}) symmetrise a Lipschitz MLP over
 * a finite group, a SameDiff graph trained by the shared {@code optim.Optimizer} and {@code train.Trainer}.
 */
package org.eqflow.core.finite;
