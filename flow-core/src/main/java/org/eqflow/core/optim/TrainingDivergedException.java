package org.eqflow.core.optim;

/** Thrown when training produced non-finite losses or gradients too many times in a row to go on. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
