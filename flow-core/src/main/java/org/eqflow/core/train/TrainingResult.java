package org.eqflow.core.train;

/**
 * How a training run ended.
 *
 * @param iterations           the model's iteration count at the end
 * @param reason               why it stopped
 * @param bestValidation       the best mean validation IWAE (NaN without validation)
 * @param bestIteration        the iteration at which it was reached (−1 without validation)
 * @param seconds              wall-clock time of this run (not of earlier runs it resumed)
 */
public record TrainingResult(long iterations, StopReason reason, double bestValidation, long bestIteration, double seconds) {

    /** Why training stopped. */
    public enum StopReason {
        /** The iteration count reached {@code TrainingOptions.iterations}. */
        ITERATIONS,
        /** Validation did not improve for {@code patience} validations. */
        NO_IMPROVEMENT,
        /** The time budget was spent. */
        TIME_BUDGET
    }

    /** True when validation stopped improving for {@code patience} validations. */
    public boolean stoppedEarly() {
        return reason == StopReason.NO_IMPROVEMENT;
    }
}
