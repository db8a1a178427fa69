package org.eqflow.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eqflow.core.Choices;
import org.eqflow.core.Noise;
import org.eqflow.core.manifold.ComplexMatrix;
import org.eqflow.core.manifold.SpecialUnitary;
import org.eqflow.core.manifold.ManifoldFlow;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.manifold.SphereSymmetry;
import org.eqflow.core.manifold.SuTarget;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.train.DataSource;
import org.eqflow.core.train.FiniteData;
import org.eqflow.core.train.HaarData;
import org.eqflow.core.train.LoggingListener;
import org.eqflow.core.train.Trainer;
import org.eqflow.core.train.TrainingOptions;
import org.eqflow.core.train.TrainingResult;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code eqflow train} for densities on manifolds. On SU(n) ({@link SpectralFlow}): reverse KL to a built-in target
 * ({@code --target su3:boyda2}, batches of Haar draws) or maximum likelihood on matrices ({@code --data X.csv
 * --manifold su3}, rows as {@link SpecialUnitary#toRow}: SU(2) as unit quaternions). On the sphere S²
 * ({@link SphereFlow}): maximum likelihood on unit vectors ({@code --data X.csv --manifold s2 --symmetry axis:z}).
 * The same trainer, log, schedule, time budget, checkpoints and model file as the other families.
 */
final class ManifoldTraining {
    private static final Logger LOG = LoggerFactory.getLogger(ManifoldTraining.class);
    /** Importance samples of the final report of reverse-KL training. */
    static final int REPORT_SAMPLES = 20_000;
    /** How far a row may be from SU(n): {@code |U U† − I|} and {@code |det U − 1|}. */
    static final double TOLERANCE = 1e-6;
    /** The objectives of the command line. */
    enum Objective { LIKELIHOOD, REVERSE_KL }

    /** The flags the SU(n) path takes; every other flag of {@code train} configures another family. */
    private static final Set<String> OWN = Set.of("--target", "--data", "--manifold", "--objective", "--ode-steps", "--hidden", "--lr",
            "--iterations", "--time-budget", "--batch", "--seed", "--out", "--force", "--log-every", "--no-progress", "--path",
            "--validation", "--patience", "--warmup", "--validate-every", "--lr-schedule", "--checkpoint-every", "--checkpoint-dir", "--resume",
            "--allow-class");

    private final TrainCommand cmd;
    private final CommandLine cl;

    /** The flags the sphere's path takes. */
    private static final Set<String> SPHERE = Set.of("--data", "--manifold", "--symmetry", "--ode-steps", "--hidden", "--lr",
            "--iterations", "--time-budget", "--batch", "--seed", "--out", "--force", "--log-every", "--no-progress", "--path",
            "--validation", "--patience", "--warmup", "--validate-every", "--lr-schedule", "--checkpoint-every", "--checkpoint-dir", "--resume",
            "--allow-class");

    ManifoldTraining(TrainCommand cmd) {
        this.cmd = cmd;
        this.cl = cmd.spec.commandLine();
    }

    /**
     * Whether {@code train} is asked for a density on a manifold: {@code --manifold}, an {@code su<n>:} target or an
     * {@code s2:} one.
     */
    static boolean applies(String target, String manifold) {
        return manifold != null || isSu(target) || isSphere(target);
    }

    /** Whether a target spec is one on SU(n), {@code su<n>:…}. */
    static boolean isSu(String target) {
        return target != null && target.strip().toLowerCase(Locale.ROOT).matches("su\\d+:.*");
    }

    /** Whether a target spec is one on the sphere, {@code s2:…}. */
    static boolean isSphere(String target) {
        return target != null && target.strip().toLowerCase(Locale.ROOT).startsWith("s2:");
    }

    /** Whether {@code --manifold} names the sphere. */
    private static boolean sphere(String manifold) {
        return manifold != null && manifold.strip().equalsIgnoreCase("s2");
    }

    /** {@code su<n>} → n. */
    static int group(String manifold) {
        String m = manifold.strip().toLowerCase(Locale.ROOT);
        if (m.matches("su[2-4]")) {
            return m.charAt(2) - '0';
        }
        throw new IllegalArgumentException("--manifold " + manifold + ": this eqflow has s2 (unit vectors x,y,z) and su2, su3 and "
                + "su4 (matrices of SU(n), rows of real and imaginary parts)");
    }

    /** Why a row is not a point of SU(n), with its columns, or null. */
    static String whyNotSu(double[] row, int n) {
        int length = SpecialUnitary.rowLength(n);
        if (row.length != length) {
            return "1: the row has " + row.length + " values; a matrix of SU(" + n + ") is " + length + " ("
                    + (n == 2 ? "a unit quaternion a,b,c,d" : "real and imaginary part of each entry, row-major") + ")";
        }
        if (n == 2) {
            double norm = Math.sqrt(row[0] * row[0] + row[1] * row[1] + row[2] * row[2] + row[3] * row[3]);
            return Math.abs(norm - 1) <= TOLERANCE ? null : String.format(java.util.Locale.ROOT,
                    "1-4: the quaternion has |q| = %.6g, not 1 (SU(2) is the unit quaternions)", norm);
        }
        return SpecialUnitary.check(ComplexMatrix.fromRow(row), TOLERANCE)
                .map(w -> "1-" + row.length + ": the row is " + w + ", not a matrix of SU(" + n + ")").orElse(null);
    }

    /** Why a row is not a point of S², with its columns, or null. */
    static String whyNotOnSphere(double[] row) {
        String why = SphereFlow.whyNotOnSphere(row);
        return why == null ? null : (row.length == 3 ? "1-3: " : "1: ") + why;
    }

    /** Checks every row of a file of points of a manifold flow's space (matrices of SU(n), unit vectors of S²). */
    static void validate(Path file, TrainableModel model) throws IOException {
        if (model instanceof SpectralFlow su) {
            CsvPoints.checkRows(file, row -> whyNotSu(row, su.config().n()));
        } else if (model instanceof SphereFlow) {
            CsvPoints.checkRows(file, ManifoldTraining::whyNotOnSphere);
        }
    }

    /** Training data for maximum likelihood, its validation set, and whether the run has a fixed length. */
    private record Likelihood(DataSource data, INDArray validation, boolean fixedLength, int size) {
    }

    /** Reads and checks {@code --data} (and {@code --validation}), holding out a validation set unless told otherwise. */
    private Likelihood likelihoodData(CsvPoints.RowCheck check, long seed) throws IOException {
        INDArray val = null;
        double[][] points = CsvPoints.readAll(cmd.source.data, check);
        boolean fixedLength = cmd.iterations != null && cmd.validation == null && cmd.patience == null;
        if (cmd.validation != null) {
            val = Nd4j.create(CsvPoints.readAll(cmd.validation, check));
        } else if (!fixedLength) {
            FiniteData.Split split = FiniteData.holdOut(points, seed);
            LOG.info("validation: {} of the {} training points held out (--validation VAL.csv to give your own)",
                    split.validation().length, points.length);
            points = split.train();
            val = Nd4j.create(split.validation());
        }
        return new Likelihood(new FiniteData(points, seed), val, fixedLength, points.length);
    }

    /** The checkpoint of {@code --resume} (null without), which must hold a flow of the given class. */
    private Trainer.Checkpoint checkpoint(Class<? extends ManifoldFlow> family, String where) throws IOException {
        if (cmd.resume == null) {
            return null;
        }
        Trainer.Checkpoint checkpoint = Trainer.loadCheckpoint(cmd.resume, cmd.allow.options());
        if (!family.isInstance(checkpoint.model())) {
            throw new IllegalArgumentException(cmd.resume + " holds a checkpoint of a " + checkpoint.model().family()
                    + " flow; resume it without the " + where + " flags");
        }
        long saved = ((ManifoldFlow) checkpoint.model()).seed();
        if (cl.getParseResult().hasMatchedOption("--seed") && cmd.seed != saved) {
            throw new IllegalArgumentException("--seed " + cmd.seed + " differs from the checkpoint's seed " + saved
                    + ": a resume continues the same run; drop --seed");
        }
        return checkpoint;
    }

    /** The trainer's options from the flags, with this family's default time budget. */
    private TrainingOptions options(long cap, int batch, java.time.Duration budget, INDArray val, boolean fixedLength, long seed) {
        TrainingOptions.Schedule schedule = cmd.schedule != null
                ? Choices.parse("--lr-schedule", cmd.schedule, TrainingOptions.Schedule.class) : TrainingOptions.Builder.DEFAULT_SCHEDULE;
        if (schedule == TrainingOptions.Schedule.PLATEAU && val == null) {
            throw new CommandLine.ParameterException(cl, "--lr-schedule plateau needs validation data");
        }
        Path ckptDir = cmd.checkpointDir != null ? cmd.checkpointDir
                : cmd.out.toAbsolutePath().resolveSibling(cmd.out.getFileName() + ".checkpoints");
        return TrainingOptions.builder().iterations(cap).batchSize(batch).validateEvery(cmd.validateEvery)
                .patience(cmd.patience != null ? cmd.patience : fixedLength ? 0 : TrainingOptions.Builder.DEFAULT_PATIENCE)
                .validationSamples(1).checkpointEvery(cmd.checkpointEvery).checkpointDir(ckptDir).out(cmd.out).seed(seed)
                .schedule(schedule).timeBudget(cmd.timeBudget != null ? cmd.timeBudget : budget).augment(false)
                .warmup(cmd.warmupOption()).build();
    }

    /** Runs the trainer with the log and progress listeners and says where the model went. */
    private void train(Trainer trainer, TrainableModel flow, String lossLabel, long cap, INDArray val) throws Exception {
        cmd.engine.apply(flow, "training");
        trainer.addListener(new LoggingListener(cmd.logEvery, List.of(), lossLabel));
        if (!cmd.noProgress && ProgressListener.wanted()) {
            trainer.addListener(new ProgressListener("train", flow.iteration(), cap));
        }
        TrainingResult result = trainer.run();
        LOG.info("model saved to {}{}", cmd.out, val != null ? " (best validation log p " + result.bestValidation()
                + " at iteration " + result.bestIteration() + ")" : "");
    }

    /** Maximum likelihood on S²: unit vectors, a flow invariant under rotations about z ({@code --symmetry axis:z}) or not. */
    private Integer runSphere() throws Exception {
        if (cmd.source.data == null) {
            throw new CommandLine.ParameterException(cl, "a flow on S² trains on --data POINTS.csv (unit vectors x,y,z per row)");
        }
        List<String> specs = cmd.model.symmetries;
        if (specs.size() > 1) {
            throw new CommandLine.ParameterException(cl, "a flow on S² takes one --symmetry: axis:z or none");
        }
        Trainer.Checkpoint checkpoint = checkpoint(SphereFlow.class, "S²");
        long seed = checkpoint == null ? cmd.seed : ((ManifoldFlow) checkpoint.model()).seed();
        Likelihood lik = likelihoodData(ManifoldTraining::whyNotOnSphere, seed);
        int batch = cmd.batch != null ? cmd.batch : SphereFlow.DEFAULT_BATCH;
        long cap = cmd.iterations != null ? cmd.iterations : TrainingOptions.Builder.DEFAULT_ITERATIONS;
        TrainingOptions opts = options(cap, batch, TrainingOptions.Builder.DEFAULT_TIME_BUDGET, lik.validation(), lik.fixedLength(), seed);
        Trainer trainer;
        SphereFlow flow;
        if (checkpoint != null) {
            trainer = Trainer.resume(checkpoint, lik.data(), lik.validation(), opts, List.of());
            flow = (SphereFlow) trainer.model();
            LOG.info("resuming from {} at iteration {}", cmd.resume, flow.iteration());
        } else {
            SphereSymmetry symmetry = specs.isEmpty() ? SphereSymmetry.NONE : parseSymmetry(specs.get(0));
            if (specs.isEmpty()) {
                LOG.info("no --symmetry: an unconstrained flow on S² (--symmetry axis:z for densities invariant under rotations about z)");
            }
            SphereFlow.Config config = new SphereFlow.Config(symmetry,
                    cmd.model.hidden != null ? cmd.model.hidden : SphereFlow.DEFAULT_HIDDEN,
                    cmd.odeSteps != null ? cmd.odeSteps : SphereFlow.DEFAULT_STEPS, seed,
                    cmd.model.lr != null ? cmd.model.lr : SphereFlow.DEFAULT_LEARNING_RATE);
            flow = SphereFlow.create(config);
            LOG.info("training {} on S² by maximum likelihood on {} ({} points): symmetry {}, hidden {}, {} Runge–Kutta steps, "
                            + "{} parameters", cmd.out, cmd.source.data, lik.size(), symmetry.spec(), config.hidden(), config.steps(),
                    flow.parameters().values().stream().mapToLong(INDArray::length).sum());
            trainer = new Trainer(flow, lik.data(), lik.validation(), opts, List.of());
        }
        train(trainer, flow, "log p", cap, lik.validation());
        return 0;
    }

    private SphereSymmetry parseSymmetry(String spec) {
        try {
            return SphereSymmetry.parse(spec.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--symmetry " + spec + ": " + e.getMessage());
        }
    }

    Integer run() throws Exception {
        CommandLine.ParseResult given = cl.getParseResult();
        if (isSphere(cmd.source.target)) {
            throw new CommandLine.ParameterException(cl, "flows on S² train by maximum likelihood: draw points with eqflow data --target "
                    + cmd.source.target + " -n 10000 --out X.csv, then train with --data X.csv --manifold s2 --symmetry axis:z");
        }
        boolean onSphere = sphere(cmd.manifold);
        Set<String> own = onSphere ? SPHERE : OWN;
        for (CommandLine.Model.OptionSpec o : given.matchedOptions()) {
            if (!own.contains(o.longestName())) {
                throw new CommandLine.ParameterException(cl, o.longestName() + " does not apply to a density on " + (onSphere ? "S²" : "SU(n)")
                        + " (the flags of this family: " + String.join(" ", new java.util.TreeSet<>(own)) + ")");
            }
        }
        if (onSphere) {
            return runSphere();
        }
        String targetSpec = cmd.source.target;
        Objective objective = cmd.objective != null ? Choices.parse("--objective", cmd.objective, Objective.class)
                : targetSpec != null ? Objective.REVERSE_KL : Objective.LIKELIHOOD;
        SuTarget target = targetSpec == null ? null : SuTarget.parse(targetSpec);
        if (objective == Objective.REVERSE_KL && target == null) {
            throw new CommandLine.ParameterException(cl, "--objective reverse-kl needs --target su<n>:... (the unnormalised density to "
                    + "approach); with --data use --objective likelihood");
        }
        if (objective == Objective.LIKELIHOOD && cmd.source.data == null) {
            throw new CommandLine.ParameterException(cl, "maximum likelihood on SU(n) needs --data MATRICES.csv --manifold su<n>; "
                    + "to train towards --target " + targetSpec + " use --objective reverse-kl");
        }
        int n = target != null ? target.n() : group(cmd.manifold);
        if (cmd.manifold != null && group(cmd.manifold) != n) {
            throw new CommandLine.ParameterException(cl, "--manifold " + cmd.manifold + " but the target " + targetSpec + " is on SU(" + n + ")");
        }
        if (objective == Objective.REVERSE_KL && (cmd.validation != null || cmd.patience != null || cmd.warmup != null)) {
            throw new CommandLine.ParameterException(cl, "reverse-KL training has no data to validate on: drop --validation, --patience and --warmup"
                    + " (it runs --iterations updates, default " + SpectralFlow.DEFAULT_REVERSE_KL_ITERATIONS + ")");
        }
        Trainer.Checkpoint checkpoint = checkpoint(SpectralFlow.class, "SU(n)");
        long seed = checkpoint == null ? cmd.seed : ((ManifoldFlow) checkpoint.model()).seed();
        int batch = cmd.batch != null ? cmd.batch : SpectralFlow.DEFAULT_BATCH;
        DataSource data;
        INDArray val = null;
        boolean fixedLength;
        String amount;
        if (objective == Objective.REVERSE_KL) {
            data = new HaarData(n, seed);
            fixedLength = true;
            amount = batch + " Haar draws per update";
        } else {
            Likelihood lik = likelihoodData(row -> whyNotSu(row, n), seed);
            data = lik.data();
            val = lik.validation();
            fixedLength = lik.fixedLength();
            amount = lik.size() + " matrices";
        }
        long cap = cmd.iterations != null ? cmd.iterations
                : objective == Objective.REVERSE_KL ? SpectralFlow.DEFAULT_REVERSE_KL_ITERATIONS : TrainingOptions.Builder.DEFAULT_ITERATIONS;
        TrainingOptions opts = options(cap, batch, objective == Objective.REVERSE_KL ? SpectralFlow.DEFAULT_REVERSE_KL_BUDGET
                : TrainingOptions.Builder.DEFAULT_TIME_BUDGET, val, fixedLength, seed);
        Trainer trainer;
        SpectralFlow flow;
        if (checkpoint != null) {
            trainer = Trainer.resume(checkpoint, data, val, opts, List.of());
            flow = (SpectralFlow) trainer.model();
            LOG.info("resuming from {} at iteration {}", cmd.resume, flow.iteration());
        } else {
            SpectralFlow.Config config = new SpectralFlow.Config(n,
                    cmd.model.hidden != null ? cmd.model.hidden : SpectralFlow.DEFAULT_HIDDEN,
                    cmd.odeSteps != null ? cmd.odeSteps : SpectralFlow.DEFAULT_STEPS, seed,
                    cmd.model.lr != null ? cmd.model.lr : SpectralFlow.DEFAULT_LEARNING_RATE,
                    objective == Objective.REVERSE_KL ? target.name() : null);
            flow = SpectralFlow.create(config);
            LOG.info("training {} on SU({}) by {} ({}): conjugation-invariant flow, hidden {}, {} Runge–Kutta steps, {} parameters",
                    cmd.out, n, objective == Objective.REVERSE_KL ? "reverse KL to " + target.name() : "maximum likelihood on "
                            + cmd.source.data, amount, config.hidden(), config.steps(),
                    flow.parameters().values().stream().mapToLong(INDArray::length).sum());
            trainer = new Trainer(flow, data, val, opts, List.of());
        }
        train(trainer, flow, objective == Objective.REVERSE_KL ? "E[S - log q]" : "log p", cap, val);
        if (objective == Objective.REVERSE_KL) {
            org.eqflow.core.eval.Importance imp = flow.importance(REPORT_SAMPLES, Noise.stream(seed, 0, Noise.Purpose.EVALUATION));
            LOG.info(String.format(Locale.ROOT, "importance sampling of %s with %d samples: ESS %.4f ± %.4f per sample, "
                            + "log Ẑ %.4f ± %.4f (quadrature: log Z %.4f), KL(q‖p) %.4f ± %.4f nats", target.name(), REPORT_SAMPLES,
                    imp.ess(), imp.essStderr(), imp.logZ(), imp.logZStderr(), target.logNormaliser(), imp.reverseKl(target.logNormaliser()),
                    imp.boundStderr()));
        }
        return 0;
    }
}
