package org.eqflow.core.train;

import java.nio.file.Path;

/**
 * What a {@link Trainer} run does. Build with {@link #builder()}; defaults live in the builder.
 *
 * @param iterations        train until the model's iteration count reaches this (a cap when validation stops earlier)
 * @param batchSize         points per optimiser update
 * @param validateEvery     validate every this many iterations (with a validation set)
 * @param patience          stop after this many validations without improvement (0: never stop early)
 * @param validationSamples importance samples M of the validation IWAE
 * @param checkpointEvery   write a checkpoint every this many iterations (0: never)
 * @param checkpointDir     where checkpoints go ({@code checkpoint.zip}, replaced atomically)
 * @param out               where the model goes: the best by validation, else the final one (null: nowhere)
 * @param seed              seed of the data order / target draws and of the validation noise
 * @param schedule          how the learning rate changes over the run
 * @param timeBudget        stop when this much wall-clock time has passed in this run (null: no limit); the
 *                          model is validated once more before stopping, so {@code out} holds the best
 * @param augment           under the soft constraint, move each training point by a random element of the
 *                          symmetry's group ({@link GroupAugmentation}; rotations only)
 * @param warmup            updates before which validation may not judge the run (no halving, no early stop; the
 *                          best model is still kept); {@link #MODEL_WARMUP}: the model's own
 *                          ({@link org.eqflow.core.model.TrainableModel#warmupIterations()})
 */
public record TrainingOptions(long iterations, int batchSize, int validateEvery, int patience, int validationSamples,
                              int checkpointEvery, Path checkpointDir, Path out, long seed, Schedule schedule,
                              java.time.Duration timeBudget, boolean augment, long warmup) {

    /** {@link #warmup()}: the model's own warm-up. */
    public static final long MODEL_WARMUP = -1;

    /**
     * The learning-rate schedule: {@code CONSTANT}; {@code COSINE}, which scales the model's learning
     * rate by {@code (1 + cos(π t / iterations)) / 2} at iteration {@code t}, from 1 down to 0 at the end;
     * {@code BUDGET}, the same cosine over the run's progress {@code max(t / iterations, elapsed / time budget)}
     * — it reaches 0 when the time budget is spent, so a run that the budget ends is annealed, not cut off
     * (its length, hence its result, depends on the machine's speed) — and halved as {@code PLATEAU} halves it,
     * so a run that early stopping ends has been annealed too (with the default patience of 10, three halvings
     * come before the stop); or {@code PLATEAU}, which halves it after every {@value #PLATEAU_WAIT} validations
     * in a row without improvement. {@code COSINE} and
     * {@code PLATEAU} are functions of the iteration and of the saved early-stopping state, so a resumed run
     * follows them exactly.
     */
    public enum Schedule {
        CONSTANT, COSINE, BUDGET, PLATEAU;

        /** Validations without improvement after which {@code PLATEAU} halves the learning rate. */
        public static final int PLATEAU_WAIT = 3;

        /** Whether validations without improvement halve the learning rate ({@code BUDGET} and {@code PLATEAU}). */
        public boolean halvesOnPlateaus() {
            return this == BUDGET || this == PLATEAU;
        }

        /** {@link #scale(long, long, double)} with none of a time budget spent. */
        public double scale(long t, long iterations) {
            return scale(t, iterations, 0.0);
        }

        /**
         * The factor on the learning rate at iteration {@code t} of {@code iterations}, with {@code spent} the
         * fraction of the time budget used ({@code BUDGET} only; {@code PLATEAU}: 1, see {@link #plateau}).
         */
        public double scale(long t, long iterations, double spent) {
            if ((this != COSINE && this != BUDGET) || iterations <= 0) {
                return 1.0;
            }
            double progress = (double) Math.min(t, iterations) / iterations;
            return cosine(this == BUDGET ? Math.max(progress, spent) : progress);
        }

        /** {@code (1 + cos(π progress)) / 2} for progress in {@code [0, 1]}. */
        public static double cosine(double progress) {
            return 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, Math.max(0.0, progress))));
        }

        /** {@code PLATEAU}'s factor after {@code reductions} halvings. */
        public static double plateau(int reductions) {
            return Math.pow(0.5, reductions);
        }
    }

    public TrainingOptions {
        require(iterations >= 0, "iterations must be >= 0, got " + iterations);
        require(batchSize >= 1, "batch size must be >= 1, got " + batchSize);
        require(validateEvery >= 1, "validation interval must be >= 1, got " + validateEvery);
        require(patience >= 0, "patience must be >= 0, got " + patience);
        require(validationSamples >= 1, "validation samples must be >= 1, got " + validationSamples);
        require(warmup >= 0 || warmup == MODEL_WARMUP, "warm-up must be >= 0, got " + warmup);
        require(checkpointEvery >= 0, "checkpoint interval must be >= 0, got " + checkpointEvery);
        require(checkpointEvery == 0 || checkpointDir != null, "checkpoints need a checkpoint directory");
        java.util.Objects.requireNonNull(schedule, "schedule");
        require(timeBudget == null || (!timeBudget.isNegative() && !timeBudget.isZero()),
                "the time budget must be positive, got " + timeBudget);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder with the defaults below. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: at most {@value #DEFAULT_ITERATIONS} iterations of {@value #DEFAULT_BATCH_SIZE} points, validation every
     * {@value #DEFAULT_VALIDATE_EVERY} with M = 64, patience 10, the {@code BUDGET} schedule, a time
     * budget of 12 minutes ({@code timeBudget(null)}: none), no checkpoints, augmentation along the symmetry under the soft constraint,
     * the model's own warm-up. Without validation the run is the full {@code iterations}.
     */
    public static final class Builder {
        /** Default cap on the number of updates. */
        public static final long DEFAULT_ITERATIONS = 100_000;
        /**
         * Default points per update: 64, each with {@code FlowConfig.trainingSamples} draws of its momentum (512
         * rows a step at the default K = 8; docs/results.md, "How the defaults were chosen").
         */
        public static final int DEFAULT_BATCH_SIZE = 64;
        /** Default iterations between validations. */
        public static final int DEFAULT_VALIDATE_EVERY = 250;
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
        /** Default learning-rate schedule. */
        public static final Schedule DEFAULT_SCHEDULE = Schedule.BUDGET;
        private Schedule schedule = DEFAULT_SCHEDULE;
        /**
         * Default time budget: long enough for the quality bar's targets on a laptop core
         * (docs/results.md), short enough that the plain command ends within 15 minutes with evaluation.
         */
        public static final long DEFAULT_TIME_BUDGET_MINUTES = 12;
        /** {@link #DEFAULT_TIME_BUDGET_MINUTES} as a duration. */
        public static final java.time.Duration DEFAULT_TIME_BUDGET = java.time.Duration.ofMinutes(DEFAULT_TIME_BUDGET_MINUTES);
        private java.time.Duration timeBudget = DEFAULT_TIME_BUDGET;
        private boolean augment = true;
        private long warmup = MODEL_WARMUP;

        /** Cap on the number of updates (default {@value #DEFAULT_ITERATIONS}). */
        public Builder iterations(long v) { iterations = v; return this; }
        /** Points per update (default {@value #DEFAULT_BATCH_SIZE}). */
        public Builder batchSize(int v) { batchSize = v; return this; }
        /** Iterations between validations, 0 for none (default {@value #DEFAULT_VALIDATE_EVERY}). */
        public Builder validateEvery(int v) { validateEvery = v; return this; }
        /** Validations without improvement before stopping (default {@value #DEFAULT_PATIENCE}). */
        public Builder patience(int v) { patience = v; return this; }
        /** Importance samples of the validation IWAE (default {@value #DEFAULT_VALIDATION_SAMPLES}). */
        public Builder validationSamples(int v) { validationSamples = v; return this; }
        /** Iterations between checkpoints, 0 for none (default 0). */
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        /** Where checkpoints go ({@code checkpoint.zip}, replaced atomically). */
        public Builder checkpointDir(Path v) { checkpointDir = v; return this; }
        /** Where the model goes: the best by validation, else the final one (default: nowhere). */
        public Builder out(Path v) { out = v; return this; }
        /** Seed of the data order or target draws and of the validation noise (default 0). */
        public Builder seed(long v) { seed = v; return this; }
        /** The learning-rate schedule (default {@link Schedule#BUDGET}). */
        public Builder schedule(Schedule v) { schedule = v; return this; }
        /** Wall-clock budget of the run, null for none (default {@value #DEFAULT_TIME_BUDGET_MINUTES} minutes). */
        public Builder timeBudget(java.time.Duration v) { timeBudget = v; return this; }
        /** Under the soft constraint, move each training point by a random element of the symmetry's group (default true). */
        public Builder augment(boolean v) { augment = v; return this; }
        /** Updates before validation may judge the run (default {@link #MODEL_WARMUP}: the model's own). */
        public Builder warmup(long v) { warmup = v; return this; }

        /** Validates and builds. */
        public TrainingOptions build() {
            return new TrainingOptions(iterations, batchSize, validateEvery, patience, validationSamples,
                    checkpointEvery, checkpointDir, out, seed, schedule, timeBudget, augment, warmup);
        }
    }
}
