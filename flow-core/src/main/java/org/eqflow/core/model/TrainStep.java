package org.eqflow.core.model;

/**
 * What one optimiser update did.
 *
 * @param iteration    the update's index (0-based); after it the model's iteration is {@code iteration + 1}
 * @param loss         the Lagrangian {@code −mean ELBO + Σ λ_k (C_k − κ)} (just {@code −mean ELBO} without a soft constraint)
 * @param negElbo      {@code −mean ELBO} of the batch (the exact {@code −mean log p} for a finite flow), nats per point in the model's (scaled) space
 * @param constraints  {@code C_k} per generator (empty without a symmetry)
 * @param multipliers  {@code λ_k} after the update (empty without a soft constraint)
 * @param gradientNorm global L2 norm of the gradient, before clipping
 * @param skipped      true when the loss or a gradient was not finite and no update was made
 * @param learningRate the learning rate in force after the step
 */
public record TrainStep(long iteration, double loss, double negElbo, double[] constraints, double[] multipliers,
                        double gradientNorm, boolean skipped, double learningRate) {
}
