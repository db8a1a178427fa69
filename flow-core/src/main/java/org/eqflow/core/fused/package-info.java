/**
 * The fused engine: the Lagrangian of the model and all its weight gradients, the forward flow and the
 * constraints, derived by hand and computed on preallocated buffers with direct BLAS calls. Each energy's
 * input gradient is a {@link org.eqflow.core.fused.GradientKernel} (softplus MLP, the radial MLP of the
 * hard constraint, the quadratic kinetic energy), the Leap-Frog flow a
 * {@link org.eqflow.core.fused.FusedFlow} tape shared by the ELBO, the penalty along the flow and sampling.
 * The SameDiff graph stays the definition of the model; {@code FusedParityTest} checks that this engine
 * computes the same loss, gradients, log-densities, samples and constraints (fp64, within 1e-10
 * relative) for every configuration it supports ({@link org.eqflow.core.fused.FusedLagrangian#unsupportedReason}).
 * docs/benchmarks.md says how much faster it is and why.
 */
package org.eqflow.core.fused;
