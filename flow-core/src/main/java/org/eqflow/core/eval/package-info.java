/**
 * Evaluation beyond the bounds themselves: invariance of the learned density under the symmetry group,
 * measured with an importance sampler transported along the group action.
 */
package org.eqflow.core.eval;
