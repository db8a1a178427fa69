package org.eqflow.core.flow;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A batch of phase-space states {@code s = (q, p)}, each of shape {@code [B, d]}: {@code q} is the data
 * point, {@code p} the latent momentum.
 */
public record PhaseState(SDVariable q, SDVariable p) {
}
