package org.eqflow.core.model;

import java.util.Map;

/**
 * A training objective evaluated at a batch.
 *
 * @param loss        the value minimised (for the Hamiltonian flow the Lagrangian {@code −mean ELBO + Σ λ_k (C_k − κ)})
 * @param dataTerm    its data part, nats per point ({@code −mean ELBO}, or {@code −mean log p} for an exact density)
 * @param constraints constraint values {@code C_k} (empty without constraints)
 * @param gradients   {@code ∂loss/∂θ} of every parameter, in the parameter's c order
 */
public record Objective(double loss, double dataTerm, double[] constraints, Map<String, double[]> gradients) {
}
