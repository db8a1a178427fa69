/**
 * Built-in target distributions with exact samplers, exact log-densities and entropies computed in code,
 * so that every held-out NLL can be compared with the best achievable value.
 */
package org.eqflow.core.target;
