package org.eqflow.core.train;

import java.nio.file.Path;
import org.eqflow.core.model.TrainStep;

/** Hears what a {@link Trainer} does. Every method has an empty default: implement what you need. */
public interface TrainingListener {

    /** After each optimiser update; {@code samplesPerSecond} is this step's training throughput. */
    default void onStep(TrainStep step, long totalIterations, double samplesPerSecond) {
    }

    /** After each validation: the mean validation IWAE (nats per point, data units). */
    default void onValidation(long iteration, double validationLogDensity, boolean improved) {
    }

    /** After a checkpoint was written. */
    default void onCheckpoint(long iteration, Path file) {
    }

    /** When training ends, normally or early. */
    default void onEnd(TrainingResult result) {
    }
}
