/**
 * Optimisation of a {@link org.eqflow.core.model.DensityModel}: Adam with clipping, a schedule factor and
 * skip-and-halve ({@link org.eqflow.core.optim.Optimizer}), independent of the model family.
 */
package org.eqflow.core.optim;
