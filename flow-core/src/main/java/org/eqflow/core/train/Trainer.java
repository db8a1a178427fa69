package org.eqflow.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.ModelFileException;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Minibatch training of a {@link TrainableModel} (an {@link EquivariantHamiltonianFlow}, or a finite flow): one
 * Adam update of its objective per batch, optional validation with early stopping on the validation IWAE (the best model is what
 * {@code out} holds), and checkpoints from which {@link #resume} continues exactly as if never stopped.
 *
 * <p>Everything random (batch order or target draws, encoder and penalty noise) derives from seeds and
 * the iteration counter, and a checkpoint stores the model (weights, Adam moments, multipliers,
 * iteration) with this trainer's own state in one atomically written file.
 */
public final class Trainer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trainer.class);
    /** The checkpoint file inside the checkpoint directory. */
    public static final String CHECKPOINT_FILE = "checkpoint.zip";
    private static final String STATE_ENTRY = "trainer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainableModel model;
    private final DataSource data;
    private final INDArray validation;
    private final TrainingOptions options;
    /** Updates before validation may judge the run: the options' warm-up, or the model's own. */
    private final long warmup;
    private final List<TrainingListener> listeners;
    private State state;

    /**
     * Early-stopping state, saved with checkpoints.
     *
     * @param reductions halvings of the learning rate so far ({@code PLATEAU} and {@code BUDGET} schedules)
     */
    public record State(double bestValidation, long bestIteration, int sinceBest, int reductions) {
    }

    /**
     * @param validation held-out points in data units, or null for none
     */
    public Trainer(TrainableModel model, DataSource data, INDArray validation, TrainingOptions options,
                   List<TrainingListener> listeners) {
        if (data.dimension() != model.batchDimension()) {
            throw new IllegalArgumentException("the training data has dimension " + data.dimension()
                    + " but the model takes batches of dimension " + model.batchDimension());
        }
        if (validation != null && validation.columns() != model.rowWidth()) {
            throw new IllegalArgumentException("the validation data has " + validation.columns() + " columns but the model's rows have "
                    + model.rowWidth());
        }
        this.model = model;
        this.data = augmented(model, data, options);
        this.validation = validation;
        this.options = options;
        this.warmup = options.warmup() == TrainingOptions.MODEL_WARMUP ? model.warmupIterations() : options.warmup();
        this.listeners = new java.util.ArrayList<>(listeners);
        this.state = new State(Double.NaN, -1, 0, 0);
    }

    /**
     * {@code data} moved along the model's symmetry ({@link GroupAugmentation}) when the options ask for it,
     * the model is a Hamiltonian flow, its constraint is soft and the group is one of rotations; else {@code data}
     * (a finite flow is invariant by construction).
     */
    private static DataSource augmented(TrainableModel trainable, DataSource data, TrainingOptions options) {
        if (!(trainable instanceof EquivariantHamiltonianFlow model)) {
            return data;
        }
        var symmetry = model.parts().symmetry();
        if (!options.augment() || model.batchDimension() != model.dimension() || model.config().constraint() != org.eqflow.core.FlowConfig.Constraint.SOFT
                || symmetry.isEmpty() || GroupAugmentation.supports(symmetry.get()).isPresent()) {
            return data;
        }
        double[] centre = model.config().centre().stream().mapToDouble(Double::doubleValue).toArray();
        return new GroupAugmentation(data, symmetry.get(), centre, options.seed());
    }

    /** Continues from the checkpoint in {@code checkpointDir}: model and early-stopping state as saved. */
    public static Trainer resume(Path checkpointDir, DataSource data, INDArray validation, TrainingOptions options,
                                 List<TrainingListener> listeners) throws IOException {
        return resume(checkpointDir, data, validation, options, listeners, org.eqflow.core.io.LoadOptions.defaults());
    }

    /** {@link #resume(Path, DataSource, INDArray, TrainingOptions, List)}, letting the checkpoint construct the allowed classes. */
    public static Trainer resume(Path checkpointDir, DataSource data, INDArray validation, TrainingOptions options,
                                 List<TrainingListener> listeners, org.eqflow.core.io.LoadOptions load) throws IOException {
        return resume(loadCheckpoint(checkpointDir, load), data, validation, options, listeners);
    }

    /** A checkpoint read and verified once: the model as saved and the trainer's early-stopping state. */
    public record Checkpoint(TrainableModel model, State state) {
    }

    /**
     * Reads the checkpoint in {@code checkpointDir} (before the data source exists, when the caller needs
     * the saved configuration, e.g. its seed, to build it).
     */
    public static Checkpoint loadCheckpoint(Path checkpointDir, org.eqflow.core.io.LoadOptions load) throws IOException {
        Path file = checkpointDir.resolve(CHECKPOINT_FILE);
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no checkpoint to resume from");
        }
        ModelFile.Loaded loaded = ModelFile.loadWithExtras(file, load);
        byte[] saved = loaded.extras().get(STATE_ENTRY);
        if (saved == null) {
            throw new ModelFileException(file + " is a model file but not a training checkpoint");
        }
        return new Checkpoint(loaded.model(), JSON.readValue(saved, State.class));
    }

    /** Continues from a loaded checkpoint: model and early-stopping state as saved. */
    public static Trainer resume(Checkpoint checkpoint, DataSource data, INDArray validation, TrainingOptions options,
                                 List<TrainingListener> listeners) {
        Trainer t = new Trainer(checkpoint.model(), data, validation, options, listeners);
        t.state = checkpoint.state();
        return t;
    }

    /** Adds a listener (for example one that needs the model, which {@link #resume} creates). */
    public void addListener(TrainingListener listener) {
        listeners.add(listener);
    }

    /** The model being trained. */
    public TrainableModel model() {
        return model;
    }

    /**
     * Trains until the model's iteration count reaches {@code options.iterations()}, validation stops
     * improving for {@code patience} validations, or the time budget is spent — whichever comes first; logs
     * which.
     */
    public TrainingResult run() throws IOException {
        LOG.info("training path: {}", model.engineDescription());
        if (validation != null && warmup > 0 && (options.patience() > 0 || options.schedule().halvesOnPlateaus())) {
            LOG.info("warm-up: validation judges the run from iteration {} on (no halving or early stop before; the best model is kept)",
                    warmup);
        }
        if (data instanceof GroupAugmentation) {
            LOG.info("augmentation: each training point moved by a random element of the symmetry's group");
        }
        long start = System.nanoTime();
        long budget = options.timeBudget() == null ? Long.MAX_VALUE : options.timeBudget().toNanos();
        TrainingResult.StopReason reason = TrainingResult.StopReason.ITERATIONS;
        while (model.iteration() < options.iterations()) {
            long t = model.iteration();
            INDArray batch = data.batch(t, options.batchSize());
            long t0 = System.nanoTime();
            model.setLearningRateScale(learningRateScale(t, (System.nanoTime() - start) / (double) budget));
            TrainStep step = model.trainStep(batch);
            double rate = batch.rows() / ((System.nanoTime() - t0) / 1e9);
            for (TrainingListener l : listeners) {
                l.onStep(step, options.iterations(), rate);
            }
            long done = model.iteration();
            boolean outOfTime = System.nanoTime() - start >= budget && done < options.iterations();
            boolean stop = false;
            if (validation != null && (done % options.validateEvery() == 0 || done == options.iterations() || outOfTime)) {
                stop = validate(done);
            }
            if (stop) {
                reason = TrainingResult.StopReason.NO_IMPROVEMENT;
            } else if (outOfTime) {
                reason = TrainingResult.StopReason.TIME_BUDGET;
                stop = true;
            }
            if (options.checkpointEvery() > 0 && (done % options.checkpointEvery() == 0 || stop)) {
                checkpoint(done);
            }
            if (stop) {
                break;
            }
        }
        if (validation == null && options.out() != null) {
            ModelFile.save(model, options.out(), true);
        }
        TrainingResult result = new TrainingResult(model.iteration(), reason, state.bestValidation(),
                state.bestIteration(), (System.nanoTime() - start) / 1e9);
        LOG.info("training stopped at iteration {}: {}", result.iterations(), why(result));
        for (TrainingListener l : listeners) {
            l.onEnd(result);
        }
        return result;
    }

    /** The schedule's factor at iteration {@code t}, with {@code spent} the fraction of the time budget used. */
    private double learningRateScale(long t, double spent) {
        // PLATEAU's own factor is 1: the halvings are all of it
        double halvings = options.schedule().halvesOnPlateaus() ? TrainingOptions.Schedule.plateau(state.reductions()) : 1.0;
        return halvings * options.schedule().scale(t, options.iterations(), spent);
    }

    private String why(TrainingResult r) {
        String best = Double.isNaN(r.bestValidation()) ? ""
                : String.format(java.util.Locale.ROOT, "; best validation log p %.4f at iteration %d", r.bestValidation(), r.bestIteration());
        return switch (r.reason()) {
            case ITERATIONS -> "the iteration limit " + options.iterations() + " was reached" + best;
            case NO_IMPROVEMENT -> "validation log p did not improve for " + options.patience() + " validations ("
                    + options.patience() * (long) options.validateEvery() + " iterations)" + best;
            case TIME_BUDGET -> "the time budget of " + describe(options.timeBudget()) + " was spent" + best;
        };
    }

    /** A duration as people write it: {@code 1h30m}, {@code 10m}, {@code 45s}. */
    public static String describe(java.time.Duration d) {
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            b.append(s % 3600 / 60).append('m');
        }
        if (s % 60 > 0 || b.length() == 0) {
            b.append(s % 60).append('s');
        }
        return b.toString();
    }

    /** Validates; returns true when patience is exhausted. */
    private boolean validate(long iteration) throws IOException {
        double score = Arrays.stream(model.logDensity(validation, options.validationSamples(), options.seed()))
                .mapToDouble(Iwae.Estimate::logDensity).average().orElse(Double.NaN);
        boolean improved = Double.isNaN(state.bestValidation()) || score > state.bestValidation();
        if (improved) {
            state = new State(score, iteration, 0, state.reductions());
            if (options.out() != null) {
                ModelFile.save(model, options.out(), true);
            }
        } else if (iteration > warmup) { // while warming up the run is not judged: no count toward patience or halving
            int since = state.sinceBest() + 1;
            int reductions = state.reductions();
            if (options.schedule().halvesOnPlateaus() && since % TrainingOptions.Schedule.PLATEAU_WAIT == 0) {
                reductions++;
                LOG.info("iteration {}: no improvement in {} validations, learning rate halved (×{})", iteration, since,
                        TrainingOptions.Schedule.plateau(reductions));
            }
            state = new State(state.bestValidation(), state.bestIteration(), since, reductions);
        }
        for (TrainingListener l : listeners) {
            l.onValidation(iteration, score, improved);
        }
        return options.patience() > 0 && state.sinceBest() >= options.patience();
    }

    private void checkpoint(long iteration) throws IOException {
        Files.createDirectories(options.checkpointDir());
        Path file = options.checkpointDir().resolve(CHECKPOINT_FILE);
        ModelFile.save(model, file, true, Map.of(STATE_ENTRY, JSON.writeValueAsBytes(state)));
        for (TrainingListener l : listeners) {
            l.onCheckpoint(iteration, file);
        }
    }
}
