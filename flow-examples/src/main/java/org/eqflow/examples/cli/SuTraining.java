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
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SuTarget;
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
 * {@code eqflow train} for densities on SU(n) ({@link SpectralFlow}): reverse KL to a built-in target
 * ({@code --target su3:boyda2}, batches of Haar draws) or maximum likelihood on matrices ({@code --data X.csv
 * --manifold su3}, rows as {@link SpecialUnitary#toRow}: SU(2) as unit quaternions). The same trainer, log, schedule, time budget, checkpoints
 * and model file as the other families.
 */
final class SuTraining {
    private static final Logger LOG = LoggerFactory.getLogger(SuTraining.class);
    /** Importance samples of the final report of reverse-KL training. */
    static final int REPORT_SAMPLES = 20_000;
    /** How far a row may be from SU(n): {@code |U U† − I|} and {@code |det U − 1|}. */
    static final double TOLERANCE = 1e-6;
    /** The objectives of the command line. */
    enum Objective { LIKELIHOOD, REVERSE_KL }

    /** The flags this path takes; every other flag of {@code train} configures another family. */
    private static final Set<String> OWN = Set.of("--target", "--data", "--manifold", "--objective", "--ode-steps", "--hidden", "--lr",
            "--iterations", "--time-budget", "--batch", "--seed", "--out", "--force", "--log-every", "--no-progress", "--path",
            "--validation", "--patience", "--validate-every", "--lr-schedule", "--checkpoint-every", "--checkpoint-dir", "--resume",
            "--allow-class");

    private final TrainCommand cmd;
    private final CommandLine cl;

    SuTraining(TrainCommand cmd) {
        this.cmd = cmd;
        this.cl = cmd.spec.commandLine();
    }

    /** Whether {@code train} is asked for a density on SU(n): an {@code su<n>:} target or {@code --manifold su<n>}. */
    static boolean applies(String target, String manifold) {
        return manifold != null || target != null && target.strip().toLowerCase(Locale.ROOT).matches("su\\d+:.*");
    }

    /** {@code su<n>} → n. */
    static int group(String manifold) {
        String m = manifold.strip().toLowerCase(Locale.ROOT);
        if (m.matches("su[2-4]")) {
            return m.charAt(2) - '0';
        }
        throw new IllegalArgumentException("--manifold " + manifold + ": this eqflow has su2, su3 and su4 (matrices of SU(n), rows of "
                + "real and imaginary parts)");
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

    /** Checks every row of a file of matrices of SU(n). */
    static void validate(Path file, int n) throws IOException {
        CsvPoints.checkRows(file, row -> whyNotSu(row, n));
    }

    Integer run() throws Exception {
        CommandLine.ParseResult given = cl.getParseResult();
        for (CommandLine.Model.OptionSpec o : given.matchedOptions()) {
            if (!OWN.contains(o.longestName())) {
                throw new CommandLine.ParameterException(cl, o.longestName() + " does not apply to a density on SU(n) (the flags of "
                        + "this family: " + String.join(" ", new java.util.TreeSet<>(OWN)) + ")");
            }
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
        if (objective == Objective.REVERSE_KL && (cmd.validation != null || cmd.patience != null)) {
            throw new CommandLine.ParameterException(cl, "reverse-KL training has no data to validate on: drop --validation and --patience"
                    + " (it runs --iterations updates, default " + SpectralFlow.DEFAULT_REVERSE_KL_ITERATIONS + ")");
        }
        long seed = cmd.seed;
        Trainer.Checkpoint checkpoint = null;
        if (cmd.resume != null) {
            checkpoint = Trainer.loadCheckpoint(cmd.resume, cmd.allow.options());
            if (!(checkpoint.model() instanceof SpectralFlow saved)) {
                throw new IllegalArgumentException(cmd.resume + " holds a checkpoint of a " + checkpoint.model().family()
                        + " flow; resume it without the SU(n) flags");
            }
            if (given.hasMatchedOption("--seed") && seed != saved.config().seed()) {
                throw new IllegalArgumentException("--seed " + seed + " differs from the checkpoint's seed " + saved.config().seed()
                        + ": a resume continues the same run; drop --seed");
            }
            seed = saved.config().seed();
        }
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
            double[][] points = CsvPoints.readAll(cmd.source.data, row -> whyNotSu(row, n));
            fixedLength = cmd.iterations != null && cmd.validation == null && cmd.patience == null;
            if (cmd.validation != null) {
                val = Nd4j.create(CsvPoints.readAll(cmd.validation, row -> whyNotSu(row, n)));
            } else if (!fixedLength) {
                FiniteData.Split split = FiniteData.holdOut(points, seed);
                LOG.info("validation: {} of the {} training points held out (--validation VAL.csv to give your own)",
                        split.validation().length, points.length);
                points = split.train();
                val = Nd4j.create(split.validation());
            }
            data = new FiniteData(points, seed);
            amount = points.length + " matrices";
        }
        long cap = cmd.iterations != null ? cmd.iterations
                : objective == Objective.REVERSE_KL ? SpectralFlow.DEFAULT_REVERSE_KL_ITERATIONS : TrainingOptions.Builder.DEFAULT_ITERATIONS;
        TrainingOptions.Schedule schedule = cmd.schedule != null
                ? Choices.parse("--lr-schedule", cmd.schedule, TrainingOptions.Schedule.class) : TrainingOptions.Builder.DEFAULT_SCHEDULE;
        if (schedule == TrainingOptions.Schedule.PLATEAU && val == null) {
            throw new CommandLine.ParameterException(cl, "--lr-schedule plateau needs validation data");
        }
        Path ckptDir = cmd.checkpointDir != null ? cmd.checkpointDir
                : cmd.out.toAbsolutePath().resolveSibling(cmd.out.getFileName() + ".checkpoints");
        TrainingOptions opts = TrainingOptions.builder().iterations(cap).batchSize(batch).validateEvery(cmd.validateEvery)
                .patience(cmd.patience != null ? cmd.patience : fixedLength ? 0 : TrainingOptions.Builder.DEFAULT_PATIENCE)
                .validationSamples(1).checkpointEvery(cmd.checkpointEvery).checkpointDir(ckptDir).out(cmd.out).seed(seed)
                .schedule(schedule).timeBudget(cmd.timeBudget != null ? cmd.timeBudget
                        : objective == Objective.REVERSE_KL ? SpectralFlow.DEFAULT_REVERSE_KL_BUDGET : TrainingOptions.Builder.DEFAULT_TIME_BUDGET)
                .augment(false).build();
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
        cmd.engine.apply(flow, "training");
        trainer.addListener(new LoggingListener(cmd.logEvery, List.of(),
                objective == Objective.REVERSE_KL ? "E[S - log q]" : "log p"));
        if (!cmd.noProgress && ProgressListener.wanted()) {
            trainer.addListener(new ProgressListener("train", flow.iteration(), cap));
        }
        TrainingResult result = trainer.run();
        LOG.info("model saved to {}{}", cmd.out, val != null ? " (best validation log p " + result.bestValidation()
                + " at iteration " + result.bestIteration() + ")" : "");
        if (objective == Objective.REVERSE_KL) {
            SpectralFlow.Importance imp = flow.importance(REPORT_SAMPLES, Noise.stream(seed, 0, Noise.Purpose.EVALUATION));
            LOG.info(String.format(Locale.ROOT, "importance sampling of %s with %d samples: ESS %.4f ± %.4f per sample, "
                            + "log Ẑ %.4f ± %.4f (quadrature: log Z %.4f), KL(q‖p) %.4f ± %.4f nats", target.name(), REPORT_SAMPLES,
                    imp.ess(), imp.essStderr(), imp.logZ(), imp.logZStderr(), target.logNormaliser(), imp.reverseKl(),
                    imp.reverseKlStderr()));
        }
        return 0;
    }
}
