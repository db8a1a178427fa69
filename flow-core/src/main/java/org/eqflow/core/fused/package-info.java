/**
 * The fused training path: the Lagrangian of the model and all its weight gradients, derived by hand
 * and computed on preallocated buffers with direct BLAS calls, for the configurations where that is
 * possible ({@link org.eqflow.core.fused.FusedLagrangian#unsupportedReason}). The SameDiff graph stays
 * the definition of the model; {@code FusedParityTest} checks that this path computes the same loss and
 * gradients (fp64, within 1e-9 relative). docs/benchmarks.md says how much faster it is and why.
 */
package org.eqflow.core.fused;
