package org.eqflow.examples.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eqflow.core.Choices;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.EvaluationReport;
import org.eqflow.core.eval.Evaluator;
import org.eqflow.core.finite.FiniteFlowConfig;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.io.AtomicFiles;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.OutputLock;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.DataSource;
import org.eqflow.core.train.FiniteData;
import org.eqflow.core.train.LoggingListener;
import org.eqflow.core.train.Standardization;
import org.eqflow.core.train.TargetData;
import org.eqflow.core.train.Trainer;
import org.eqflow.core.train.TrainingOptions;
import org.eqflow.core.train.TrainingResult;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code eqflow train}: fit a model to a CSV file or a built-in target and save it. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model. With --target and no --train-size, every step draws fresh samples (infinite data).",
            "By default training runs until the validation IWAE stops improving (--patience validations), at most",
            "--iterations or --time-budget; the validation points are --validation, or else held out of the training data",
            "(10 %%, at most 1,000; fresh draws for a --target). --out holds the best model by validation IWAE.",
            "Giving --iterations N trains exactly N updates (cosine learning-rate decay, no held-out points) unless",
            "--validation or --patience is given too. --test is only reported (JSON on stdout), never used to choose anything."})
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    private static final int PREPROCESSING_SAMPLES = 10_000;
    /** The counter of the stream that draws validation points from a target. */
    private static final long VALIDATION_STREAM = 3;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--data", paramLabel = "TRAIN.csv", description = "training points, one per row", required = true)
        Path data;

        @Option(names = "--target", paramLabel = "NAME",
                description = "built-in target: ring:R,SIGMA, shell:D,R,SIGMA, shells:D,R1,...,Rk,SIGMA, rings, circles, 8gaussians, checkerboard, moons, grid:K,SPACING,SIGMA, doublewell:K (K particles in the plane), A*B (independent targets side by side, e.g. ring:2,0.2*ring:1,0.15); "
                        + "on SU(n) (trained by reverse KL): su2|su3|su4:boyda1|boyda2|boyda3 or su<n>:BETA,C1,C2,... for p(U) ∝ exp[(BETA/n) Σ_k C_k Re tr U^k]",
                required = true)
        String target;

        @Option(names = "--energy", paramLabel = "NAME", required = true,
                description = "train from an unnormalised density exp(-E) instead of samples, by the reverse KL (no data): "
                        + "ring:R,SIGMA, shell:D,R,SIGMA, dw4 (4 particles in the plane with a double-well pair potential, centre "
                        + "of mass removed: d = 6), dw:K, or class:com.example.MyEnergy[:ARGS] (your class implementing "
                        + "org.eqflow.core.target.UnnormalisedTarget); the symmetry is the energy's own where it is a rotation group (hard "
                        + "constraint), none otherwise, unless --symmetry")
        String energy;
    }

    @Option(names = "--manifold", paramLabel = "s2|su2|su3|su4",
            description = "the data are points of a manifold, trained by maximum likelihood: s2, unit vectors x,y,z (with "
                    + "--symmetry axis:z for a density invariant under rotations about z, or none; log-densities with respect to area); "
                    + "su<n>, matrices of SU(n): rows a,b,c,d (unit quaternions) for su2, real and imaginary parts re00,im00,re01,... "
                    + "for su3 and su4, a conjugation-invariant flow (log-densities with respect to the normalised Haar measure)")
    String manifold;

    @Option(names = "--objective", paramLabel = "likelihood|reverse-kl",
            description = "SU(n) flows: maximum likelihood on --data, or the reverse KL E_q[log q − S] to a --target's unnormalised "
                    + "log-density S (default for an su<n>: target; " + SpectralFlow.DEFAULT_REVERSE_KL_ITERATIONS + " updates of "
                    + SpectralFlow.DEFAULT_BATCH + " Haar draws unless --iterations, within a 9-minute --time-budget); with --energy: "
                    + "reverse-kl, the default and the only choice (" + EnergyTraining.DEFAULT_ITERATIONS + " updates of "
                    + EnergyTraining.DEFAULT_BATCH + " base draws unless --iterations, within a 10-minute --time-budget)")
    String objective;

    @Option(names = "--ode-steps", paramLabel = "K",
            description = "flows on S² and SU(n): Runge–Kutta steps of the flow from t = 0 to 1 (default " + SpectralFlow.DEFAULT_STEPS
                    + "; training doubles them while the step-doubling error of log q exceeds " + SpectralFlow.STEP_TOLERANCE + " nats)")
    Integer odeSteps;

    @Option(names = "--context-columns", paramLabel = "K", description = "a conditional density p(x | c): the last K columns of every "
            + "row (training, validation and test files) are the context c, which conditions K, U and the encoder and is not acted "
            + "on by the symmetry (docs/conditional.md); a conditional --target sets it")
    Integer contextColumns;

    @Option(names = "--train-size", paramLabel = "N", description = "with --target: draw N training points once (finite data)")
    Integer trainSize;

    @Option(names = "--validation", paramLabel = "VAL.csv", description = "validation points: early stopping and best-model selection")
    Path validation;

    @Option(names = "--test", paramLabel = "TEST.csv", description = "test points, evaluated at the end (JSON on stdout)")
    Path test;

    @Mixin
    ModelOptions model;

    @Mixin
    FiniteOptions finite = new FiniteOptions();

    @Option(names = "--iterations", paramLabel = "N",
            description = "train exactly N optimiser updates (default: until validation stops improving, at most "
                    + TrainingOptions.Builder.DEFAULT_ITERATIONS + ")")
    Long iterations;

    @Option(names = "--time-budget", paramLabel = "DURATION", converter = Durations.class,
            description = "stop after this much training time, e.g. 90s, 10m, 1h30m (default "
                    + TrainingOptions.Builder.DEFAULT_TIME_BUDGET_MINUTES + "m, none with a fixed --iterations); the best model so far is kept")
    java.time.Duration timeBudget;

    @picocli.CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--lr-schedule", paramLabel = "budget|cosine|plateau|constant",
            description = "learning-rate schedule: cosine decay to 0 over the time budget or --iterations, whichever ends"
                    + " first (default), cosine over --iterations (default for a fixed --iterations), halve after "
                    + TrainingOptions.Schedule.PLATEAU_WAIT + " validations without improvement, or constant")
    String schedule;

    @Option(names = "--batch", paramLabel = "B",
            description = "points per update (default " + TrainingOptions.Builder.DEFAULT_BATCH_SIZE + "; "
                    + FiniteFlowConfig.Builder.DEFAULT_BATCH_SIZE + " for the finite flows)")
    Integer batch;

    @Option(names = "--patience", paramLabel = "N",
            description = "validations without improvement before stopping (0: never; default "
                    + TrainingOptions.Builder.DEFAULT_PATIENCE + ", or 0 with a fixed --iterations)")
    Integer patience;

    @Option(names = "--warmup", paramLabel = "N",
            description = "updates before validation may judge the run: no learning-rate halving and no early stop before"
                    + " (the best model is still kept); default: the model's own, "
                    + org.eqflow.core.EquivariantHamiltonianFlow.FREE_ENERGY_WARMUP + " for MLP energies (soft constraint or"
                    + " none), 0 otherwise")
    Long warmup;

    /** {@code --warmup} as the trainer takes it. */
    long warmupOption() {
        if (warmup != null && warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must be >= 0, got " + warmup);
        }
        return warmup != null ? warmup : TrainingOptions.MODEL_WARMUP;
    }

    @Option(names = "--validate-every", paramLabel = "N", defaultValue = "" + TrainingOptions.Builder.DEFAULT_VALIDATE_EVERY,
            description = "iterations between validations (default ${DEFAULT-VALUE})")
    int validateEvery;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "" + TrainingOptions.Builder.DEFAULT_VALIDATION_SAMPLES,
            description = "importance samples for validation and test IWAE (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0", description = "write a checkpoint every N iterations (0: never)")
    int checkpointEvery;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "where checkpoints go (default: OUT.checkpoints beside --out)")
    Path checkpointDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue from the checkpoint in DIR; the model flags are then taken from it")
    Path resume;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of weights, noise and data order (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "100", description = "iterations between log lines (default ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--no-augment", description = "do not move training points along the symmetry (soft constraint; see docs/maths.md)")
    boolean noAugment;

    @Option(names = "--no-standardize", description = "train on the data as it is, without isotropic scaling (and, without a symmetry, centring)")
    boolean noStandardize;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--force", description = "overwrite an existing --out")
    boolean force;

    @Option(names = "--out", paramLabel = "MODEL.zip", required = true, description = "where the model is saved")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    AllowClassOption allow = new AllowClassOption();

    /** The most points per update (a batch of this size already takes hundreds of MB of activations). */
    static final int MAX_BATCH = 1 << 16;

    @Override
    public Integer call() throws Exception {
        if (batch != null && (batch < 1 || batch > MAX_BATCH)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be in 1.." + MAX_BATCH + ", got " + batch);
        }
        if (samples < 1 || samples > EstimateOptions.MAX_SAMPLES) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--samples must be in 1.." + EstimateOptions.MAX_SAMPLES
                    + ", got " + samples);
        }
        // One run per output: a second run writing the same model is refused instead of silently losing one.
        try (OutputLock lock = AtomicFiles.isStream(out) ? null : OutputLock.acquire(out)) {
            return train();
        }
    }

    private Integer train() throws Exception {
        if (Files.isRegularFile(AtomicFiles.resolve(out)) && !force && resume == null) {
            throw new FileAlreadyExistsException(out.toString(), null, "the model file exists; pass --force to overwrite it");
        }
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (contextColumns != null && contextColumns > 0 && (source.energy != null || ManifoldTraining.applies(source.target, manifold))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context-columns makes a conditional density of data: it takes "
                    + "no --energy or manifold flow");
        }
        if (source.energy != null) {
            return new EnergyTraining(this).run();
        }
        if (ManifoldTraining.applies(source.target, manifold)) {
            return new ManifoldTraining(this).run();
        }
        for (String own : List.of("--objective", "--ode-steps")) {
            if (given.hasMatchedOption(own)) {
                throw new CommandLine.ParameterException(spec.commandLine(), own + " configures a flow on a manifold: give --target su<n>:... "
                        + "or --manifold s2|su<n>");
            }
        }
        FiniteOptions.Family family = finite.family();
        for (java.util.Map.Entry<String, String> foreign : FiniteOptions.foreignFlags(family).entrySet()) {
            if (given.hasMatchedOption(foreign.getKey())) {
                throw new CommandLine.ParameterException(spec.commandLine(), foreign.getKey() + " configures the " + foreign.getValue());
            }
        }
        Trainer.Checkpoint checkpoint = null;
        if (resume != null) {
            // The seed orders the data and draws all noise: an exact resume needs the checkpoint's own.
            checkpoint = Trainer.loadCheckpoint(resume, allow.options());
            if (checkpoint.model() instanceof org.eqflow.core.manifold.ManifoldFlow) {
                throw new IllegalArgumentException(resume + " holds a checkpoint of a flow on a manifold: resume it with the --target or "
                        + "--manifold it was trained with");
            }
            long saved = checkpoint.model() instanceof FiniteFlow r ? r.config().seed()
                    : ((EquivariantHamiltonianFlow) checkpoint.model()).config().seed();
            if (given.hasMatchedOption("--seed") && seed != saved) {
                throw new IllegalArgumentException("--seed " + seed + " differs from the checkpoint's seed " + saved
                        + ": a resume continues the same run; drop --seed (or start a new run without --resume)");
            }
            seed = saved;
        }
        if (batch == null) {
            // The family's own default: a resumed run continues with its checkpoint's family, whatever --flow says.
            boolean finiteFlow = checkpoint != null ? checkpoint.model() instanceof FiniteFlow
                    : family != FiniteOptions.Family.HAMILTONIAN;
            batch = finiteFlow ? FiniteFlowConfig.Builder.DEFAULT_BATCH_SIZE : TrainingOptions.Builder.DEFAULT_BATCH_SIZE;
        }
        if (trainSize != null && source.target == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--train-size needs --target");
        }
        Optional<Target> target = Optional.ofNullable(source.target).map(Targets::parse);
        double[][] points = null;
        if (source.data != null) {
            points = CsvPoints.readAll(source.data);
        } else if (trainSize != null) {
            if (trainSize < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--train-size must be >= 1");
            }
            points = target.get().sample(trainSize, Noise.stream(seed, 0, Noise.Purpose.DATA));
        }
        int k = contextColumns(target, family, given);
        int width = points != null ? points[0].length : target.get().dimension() + target.get().contextSize();
        int d = width - k;
        if (d < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context-columns " + k + " leaves no coordinates: the data "
                    + "have " + width + " columns");
        }
        // A fixed length is asked for by --iterations alone; otherwise validation decides when to stop.
        boolean fixedLength = iterations != null && validation == null && patience == null;
        INDArray val = validation == null ? null : readChecked(validation, d, k);
        if (val == null && !fixedLength) {
            if (points != null) {
                FiniteData.Split split = FiniteData.holdOut(points, seed);
                LOG.info("validation: {} of the {} training points held out (--validation VAL.csv to give your own)",
                        split.validation().length, points.length);
                points = split.train();
                val = org.nd4j.linalg.factory.Nd4j.create(split.validation());
            } else {
                val = org.nd4j.linalg.factory.Nd4j.create(target.get().sample(FiniteData.HOLD_OUT_MAX,
                        Noise.stream(seed, VALIDATION_STREAM, Noise.Purpose.DATA)));
                LOG.info("validation: {} fresh points of the target", FiniteData.HOLD_OUT_MAX);
            }
        }
        DataSource data = points != null ? new FiniteData(points, seed) : new TargetData(target.get(), seed);
        INDArray testPoints = test == null ? null : readChecked(test, d, k);
        Path ckptDir = checkpointDir != null ? checkpointDir
                : out.toAbsolutePath().resolveSibling(out.getFileName() + ".checkpoints");
        long cap = iterations != null ? iterations : TrainingOptions.Builder.DEFAULT_ITERATIONS;
        TrainingOptions.Schedule rateSchedule = schedule != null ? Choices.parse("--lr-schedule", schedule, TrainingOptions.Schedule.class)
                : fixedLength ? TrainingOptions.Schedule.COSINE : TrainingOptions.Builder.DEFAULT_SCHEDULE;
        if (rateSchedule == TrainingOptions.Schedule.PLATEAU && val == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--lr-schedule plateau needs validation: drop --iterations,"
                    + " or give --validation VAL.csv");
        }
        TrainingOptions opts = TrainingOptions.builder().iterations(cap).batchSize(batch).validateEvery(validateEvery)
                .patience(patience != null ? patience : fixedLength ? 0 : TrainingOptions.Builder.DEFAULT_PATIENCE)
                .validationSamples(samples).checkpointEvery(checkpointEvery).checkpointDir(ckptDir)
                .out(out).seed(seed).schedule(rateSchedule)
                .timeBudget(timeBudget != null ? timeBudget : fixedLength ? null : TrainingOptions.Builder.DEFAULT_TIME_BUDGET)
                .augment(!noAugment).warmup(warmupOption()).build();

        TrainableModel flow;
        Trainer trainer;
        if (resume != null) {
            trainer = Trainer.resume(checkpoint, data, val, opts, List.of());
            flow = trainer.model();
            if (given.hasMatchedOption("--lr") || given.hasMatchedOption("--clip-norm")) {
                overrideTraining(flow, given);
            }
            if (flow.dimension() != d || EstimateOptions.contextSize(flow) != k) {
                throw new IllegalArgumentException("the checkpoint's model has dimension " + flow.dimension()
                        + (EstimateOptions.contextSize(flow) > 0 ? " and " + EstimateOptions.contextSize(flow) + " context column(s)" : "")
                        + " but the training data has dimension " + d + (k > 0 ? " and " + k + " context column(s)" : ""));
            }
            LOG.info("resuming from {} at iteration {}", resume, flow.iteration());
        } else {
            double[][] sample = points != null ? points
                    : target.get().sample(PREPROCESSING_SAMPLES, Noise.stream(seed, 1, Noise.Purpose.DATA));
            List<Double> origin = java.util.Collections.nCopies(d, 0.0);
            boolean finiteFlow = family != FiniteOptions.Family.HAMILTONIAN;
            boolean symmetric = finiteFlow ? finite.symmetric() : !model.config(d, seed, origin, 1.0).symmetries().isEmpty();
            Standardization pre = noStandardize ? new Standardization(origin, 1.0)
                    : Standardization.forModel(sample, d, symmetric);
            String source = this.source.data != null ? this.source.data.toString() : target.get().spec();
            String amount = points != null ? points.length + " points" : "fresh samples every step";
            if (finiteFlow) {
                FiniteFlowConfig config = finite.config(d, seed, pre.centre(), pre.scale(), model);
                flow = FiniteFlow.create(config);
                LOG.info("training {} on {} ({}): {} flow, group {}, {} {}, {} parameters{}", out, source, amount,
                        flow.family(), config.group(), config.blocks(),
                        config.kind() == FiniteFlowConfig.Kind.COUPLING ? "layers" : "blocks", parameterCount(flow),
                        config.symmetrize().equals("none") ? "" : "; its density averaged over " + config.symmetrize());
            } else {
                FlowConfig config = model.config(d, seed, pre.centre(), pre.scale());
                if (k > 0) {
                    Standardization.Context c = noStandardize ? Standardization.Context.identity(k) : Standardization.Context.fit(sample, d);
                    config = config.toBuilder().contextSize(k).contextScaling(c.centre(), c.scale()).build();
                    LOG.info("conditional density p(x | c): the last {} column(s) are the context (centre {}, scale {})", k,
                            c.centre(), c.scale());
                }
                flow = EquivariantHamiltonianFlow.create(config);
                LOG.info("training {} on {} ({}), symmetry {}, constraint {}, objective {}, {} parameters", out, source, amount,
                        config.symmetries().isEmpty() ? "none" : String.join(" ", config.symmetries()),
                        config.constraint().name().toLowerCase(java.util.Locale.ROOT),
                        config.trainingSamples() == 1 ? "ELBO" : "IWAE with K = " + config.trainingSamples(), parameterCount(flow));
            }
            trainer = new Trainer(flow, data, val, opts, List.of());
        }
        engine.apply(flow, "training");
        trainer.addListener(flow instanceof EquivariantHamiltonianFlow h ? new LoggingListener(logEvery, h.generatorNames(),
                        h.config().trainingSamples() == 1 ? "ELBO" : "IWAE" + h.config().trainingSamples())
                : new LoggingListener(logEvery, List.of(), "log p"));
        if (!noProgress && ProgressListener.wanted()) {
            trainer.addListener(new ProgressListener("train", flow.iteration(), cap));
        }
        TrainingResult result = trainer.run();
        LOG.info("model saved to {}{}", out, val != null ? " (best validation log p " + result.bestValidation()
                + " at iteration " + result.bestIteration() + ")" : "");
        if (test != null) {
            TrainableModel best = val != null ? engine.apply(ModelFile.loadModel(out, allow.options()), "evaluation") : flow;
            EvaluationReport report = best instanceof EquivariantHamiltonianFlow h
                    ? Evaluator.evaluate(h, testPoints, samples, seed, Optional.empty(), target)
                    : Evaluator.evaluateUnderGroup(best, testPoints, samples, seed, Optional.empty(), target);
            Output.json(spec.commandLine(), report);
        }
        return 0;
    }

    private static long parameterCount(TrainableModel flow) {
        return flow.parameters().values().stream().mapToLong(INDArray::length).sum();
    }

    /** A resume that asks for another learning rate or clipping threshold. */
    private void overrideTraining(TrainableModel flow, CommandLine.ParseResult given) {
        boolean lrGiven = given.hasMatchedOption("--lr");
        boolean clipGiven = given.hasMatchedOption("--clip-norm");
        if (flow instanceof FiniteFlow r) {
            double lr = lrGiven ? model.lr : r.learningRate();
            double clip = clipGiven ? model.clipNorm : r.config().clipNorm();
            LOG.info("resuming with learning rate {} and clip norm {} (the checkpoint had {} and {})", lr, clip,
                    r.learningRate(), r.config().clipNorm());
            r.overrideTraining(lr, clip);
        } else {
            EquivariantHamiltonianFlow h = (EquivariantHamiltonianFlow) flow;
            double lr = lrGiven ? model.lr : h.learningRate();
            double clip = clipGiven ? model.clipNorm : h.config().clipNorm();
            LOG.info("resuming with learning rate {} and clip norm {} (the checkpoint had {} and {})", lr, clip,
                    h.learningRate(), h.config().clipNorm());
            h.overrideTraining(lr, clip);
        }
    }

    static INDArray readChecked(Path file, int d) throws java.io.IOException {
        return readChecked(file, d, 0);
    }

    /** A CSV of rows {@code [x | c]}: {@code d} coordinates and {@code k} context values. */
    static INDArray readChecked(Path file, int d, int k) throws java.io.IOException {
        double[][] x = CsvPoints.readAll(file);
        if (x[0].length != d + k) {
            throw new org.eqflow.examples.io.CsvException(file + ": points have " + (k == 0 ? "dimension " : "") + x[0].length
                    + (k == 0 ? "" : " columns") + " but the model expects " + (k == 0 ? "" + d : d + " coordinates and then " + k
                    + " context value(s)"));
        }
        return org.nd4j.linalg.factory.Nd4j.create(x);
    }

    /**
     * The context columns: a conditional target's own, or {@code --context-columns}; only the Hamiltonian flow trained from
     * data takes a context.
     */
    private int contextColumns(Optional<Target> target, FiniteOptions.Family family, CommandLine.ParseResult given) {
        int fromTarget = target.map(Target::contextSize).orElse(0);
        if (contextColumns != null && contextColumns < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context-columns must be >= 0, got " + contextColumns);
        }
        if (contextColumns != null && target.isPresent() && contextColumns != fromTarget) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context-columns " + contextColumns + " does not match the "
                    + "target " + target.get().spec() + ", which has " + fromTarget + " context value(s): drop --context-columns");
        }
        int k = target.isPresent() ? fromTarget : contextColumns == null ? 0 : contextColumns;
        if (k > 0 && family != FiniteOptions.Family.HAMILTONIAN) {
            throw new CommandLine.ParameterException(spec.commandLine(), "conditional densities (--context-columns, or a conditional "
                    + "target) are Hamiltonian flows: drop --flow");
        }
        return k;
    }
}
