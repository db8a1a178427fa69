/**
 * The equivariant Hamiltonian flow model (arXiv:1909.13739): its configuration, the model object that
 * trains, evaluates and samples, and the noise and threading conventions everything else relies on.
 */
package org.eqflow.core;
