package org.eqflow.core.train;

/**
 * How a training run ended.
 *
 * @param iterations           the model's iteration count at the end
 * @param stoppedEarly         true when validation stopped improving for {@code patience} validations
 * @param bestValidation       the best mean validation IWAE (NaN without validation)
 * @param bestIteration        the iteration at which it was reached (−1 without validation)
 * @param seconds              wall-clock time of this run (not of earlier runs it resumed)
 */
public record TrainingResult(long iterations, boolean stoppedEarly, double bestValidation, long bestIteration, double seconds) {
}
