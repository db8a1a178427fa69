/**
 * Built-in target distributions with exact samplers, exact log-densities and entropies computed in code,
 * so that every held-out NLL can be compared with the best achievable value; and the energies of reverse-KL
 * training ({@link org.eqflow.core.target.UnnormalisedTarget}: densities known up to their normaliser), with a
 * seeded Metropolis sampler for reference statistics where no exact sampler exists.
 */
package org.eqflow.core.target;
