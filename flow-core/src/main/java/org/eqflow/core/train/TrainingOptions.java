package org.eqflow.core.train;

import java.nio.file.Path;

/**
 * What a {@link Trainer} run does. Build with {@link #builder()}; defaults live in the builder.
 *
 * @param iterations        train until the model's iteration count reaches this
 * @param batchSize         points per optimiser update
 * @param validateEvery     validate every this many iterations (with a validation set)
 * @param patience          stop after this many validations without improvement (0: never stop early)
 * @param validationSamples importance samples M of the validation IWAE
 * @param checkpointEvery   write a checkpoint every this many iterations (0: never)
 * @param checkpointDir     where checkpoints go ({@code checkpoint.zip}, replaced atomically)
 * @param out               where the model goes: the best by validation, else the final one (null: nowhere)
 * @param seed              seed of the data order / target draws and of the validation noise
 * @param schedule          how the learning rate changes over the run
 */
public record TrainingOptions(long iterations, int batchSize, int validateEvery, int patience, int validationSamples,
                              int checkpointEvery, Path checkpointDir, Path out, long seed, Schedule schedule) {

    /**
     * The learning-rate schedule: {@code CONSTANT}, or {@code COSINE}, which scales the model's learning
     * rate by {@code (1 + cos(π t / iterations)) / 2} at iteration {@code t}, from 1 down to 0 at the end.
     * A function of the iteration alone, so a resumed run follows it exactly.
     */
    public enum Schedule {
        CONSTANT, COSINE;

        /** The factor on the learning rate at iteration {@code t} of {@code iterations}. */
        public double scale(long t, long iterations) {
            if (this == CONSTANT || iterations <= 0) {
                return 1.0;
            }
            return 0.5 * (1 + Math.cos(Math.PI * Math.min(t, iterations) / iterations));
        }
    }

    public TrainingOptions {
        require(iterations >= 0, "iterations must be >= 0, got " + iterations);
        require(batchSize >= 1, "batch size must be >= 1, got " + batchSize);
        require(validateEvery >= 1, "validation interval must be >= 1, got " + validateEvery);
        require(patience >= 0, "patience must be >= 0, got " + patience);
        require(validationSamples >= 1, "validation samples must be >= 1, got " + validationSamples);
        require(checkpointEvery >= 0, "checkpoint interval must be >= 0, got " + checkpointEvery);
        require(checkpointEvery == 0 || checkpointDir != null, "checkpoints need a checkpoint directory");
        java.util.Objects.requireNonNull(schedule, "schedule");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: 2,000 iterations of 256 points, validation every 100 with M = 64 and patience 10, no checkpoints, constant rate. */
    public static final class Builder {
        /** Default number of updates. */
        public static final long DEFAULT_ITERATIONS = 2000;
        /** Default points per update. */
        public static final int DEFAULT_BATCH_SIZE = 256;
        /** Default iterations between validations. */
        public static final int DEFAULT_VALIDATE_EVERY = 100;
        /** Default validations without improvement before stopping. */
        public static final int DEFAULT_PATIENCE = 10;
        /** Default importance samples of the validation IWAE. */
        public static final int DEFAULT_VALIDATION_SAMPLES = 64;

        private long iterations = DEFAULT_ITERATIONS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int validateEvery = DEFAULT_VALIDATE_EVERY;
        private int patience = DEFAULT_PATIENCE;
        private int validationSamples = DEFAULT_VALIDATION_SAMPLES;
        private int checkpointEvery = 0;
        private Path checkpointDir;
        private Path out;
        private long seed = 0;
        private Schedule schedule = Schedule.CONSTANT;

        public Builder iterations(long v) { iterations = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder validateEvery(int v) { validateEvery = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder validationSamples(int v) { validationSamples = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder checkpointDir(Path v) { checkpointDir = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder schedule(Schedule v) { schedule = v; return this; }

        public TrainingOptions build() {
            return new TrainingOptions(iterations, batchSize, validateEvery, patience, validationSamples,
                    checkpointEvery, checkpointDir, out, seed, schedule);
        }
    }
}
