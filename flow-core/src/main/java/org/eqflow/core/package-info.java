/**
 * The equivariant Hamiltonian flow model (arXiv:1909.13739): its configuration, the model object that
 * trains, evaluates and samples, and the noise and threading conventions everything else relies on. The model
 * object sends each computation to one of its two engines ({@code HamiltonianEngine}: the SameDiff graph that
 * defines the model, or the fused kernels) and estimates log-densities on top of either ({@code HamiltonianDensity}).
 */
package org.eqflow.core;
