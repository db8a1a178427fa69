/**
 * The objectives, each its own class: the ELBO and its importance weights, the IWAE estimate of
 * {@code log p(q)}, the symmetry penalty {@code C_k} and the Lagrange multipliers that weigh it.
 */
package org.eqflow.core.objective;
