package org.eqflow.core.optim;

/** Thrown when training produced non-finite losses or gradients too many times in a row to go on. */
public final class TrainingDivergedException extends RuntimeException {
    /** An error with its message. */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
