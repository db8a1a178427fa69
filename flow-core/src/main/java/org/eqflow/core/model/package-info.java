/**
 * The density-model contract ({@link org.eqflow.core.model.DensityModel}, {@link org.eqflow.core.model.Objective})
 * that training, evaluation and optimisation depend on, so that a new flow family plugs in without touching them.
 */
package org.eqflow.core.model;
