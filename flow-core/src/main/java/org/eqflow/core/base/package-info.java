/**
 * Base densities {@code π(s)} of phase space, with exact log-densities, their gradients (for the
 * invariance check {@code {g, π} = 0}) and exact samplers: the standard normal and the soft-uniform box.
 */
package org.eqflow.core.base;
