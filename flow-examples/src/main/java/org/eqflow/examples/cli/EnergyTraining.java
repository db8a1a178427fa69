package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eqflow.core.Choices;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.Importance;
import org.eqflow.core.eval.ReverseKlEvaluation;
import org.eqflow.core.target.UnnormalisedTarget;
import org.eqflow.core.target.UnnormalisedTargets;
import org.eqflow.core.train.BaseDraws;
import org.eqflow.core.train.LoggingListener;
import org.eqflow.core.train.Trainer;
import org.eqflow.core.train.TrainingOptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code eqflow train --energy NAME}: a Hamiltonian flow trained by the augmented reverse KL to {@code exp(−E)}
 * ({@link org.eqflow.core.objective.ReverseKl}), batches of base draws, no data and no validation: a fixed number of
 * updates ({@value #DEFAULT_ITERATIONS} unless {@code --iterations}) within a time budget, the learning rate decaying
 * over whichever ends first. The symmetry is the energy's own where it takes the hard constraint (so(k)), none
 * otherwise, unless {@code --symmetry} says. Ends with an
 * importance-sampling report (ESS, {@code log Ẑ}, the bound, and {@code log Z} where it is known).
 */
final class EnergyTraining {
    private static final Logger LOG = LoggerFactory.getLogger(EnergyTraining.class);
    /** Updates of reverse-KL training unless {@code --iterations}. */
    static final long DEFAULT_ITERATIONS = 4000;
    /**
     * Base draws per update unless {@code --batch}: the likelihood's points per update, each with the configuration's
     * K momenta ({@code --training-samples}, default 8) as each point there has K encoder draws.
     */
    static final int DEFAULT_BATCH = TrainingOptions.Builder.DEFAULT_BATCH_SIZE;
    /** The time budget unless {@code --time-budget}. */
    static final java.time.Duration DEFAULT_BUDGET = java.time.Duration.ofMinutes(10);
    /** Importance samples of the final report. */
    static final int REPORT_SAMPLES = 10_000;

    /** The flags of likelihood training that have no meaning without data. */
    private static final Set<String> DATA_ONLY = Set.of("--validation", "--patience", "--warmup", "--validate-every", "--test", "--train-size",
            "--manifold", "--ode-steps", "--no-augment", "--no-standardize", "--samples", "--flow");

    private final TrainCommand cmd;
    private final CommandLine cl;

    EnergyTraining(TrainCommand cmd) {
        this.cmd = cmd;
        this.cl = cmd.spec.commandLine();
    }

    Integer run() throws Exception {
        CommandLine.ParseResult given = cl.getParseResult();
        for (String flag : DATA_ONLY) {
            if (given.hasMatchedOption(flag)) {
                throw new CommandLine.ParameterException(cl, flag + " does not apply to training from an energy (reverse KL: no data, "
                        + "no validation; it runs --iterations updates, default " + DEFAULT_ITERATIONS + ")");
            }
        }
        // the finite flows' options: an energy trains a Hamiltonian flow, and a flag that would be ignored is refused
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().mixins().get("finite").options()) {
            if (given.hasMatchedOption(o.longestName())) {
                throw new CommandLine.ParameterException(cl, o.longestName() + " is an option of the finite flows; training from an "
                        + "energy trains a Hamiltonian flow (drop it)");
            }
        }
        if (cmd.objective != null && Choices.parse("--objective", cmd.objective, ManifoldTraining.Objective.class)
                != ManifoldTraining.Objective.REVERSE_KL) {
            throw new CommandLine.ParameterException(cl, "an --energy has no samples to maximise the likelihood of: use --objective "
                    + "reverse-kl (the default with --energy), or --data/--target for likelihood training");
        }
        UnnormalisedTarget energy = parseEnergy(cl, "--energy", cmd.source.energy);
        int d = energy.dimension();
        Trainer.Checkpoint checkpoint = null;
        long seed = cmd.seed;
        if (cmd.resume != null) {
            checkpoint = Trainer.loadCheckpoint(cmd.resume, cmd.allow.options());
            if (!(checkpoint.model() instanceof EquivariantHamiltonianFlow saved)) {
                throw new IllegalArgumentException(cmd.resume + " holds a checkpoint of a " + checkpoint.model().family()
                        + " flow; training from an energy continues a Hamiltonian flow");
            }
            if (given.hasMatchedOption("--seed") && cmd.seed != saved.config().seed()) {
                throw new IllegalArgumentException("--seed " + cmd.seed + " differs from the checkpoint's seed " + saved.config().seed()
                        + ": a resume continues the same run; drop --seed");
            }
            seed = saved.config().seed();
        }
        EquivariantHamiltonianFlow flow;
        if (checkpoint != null) {
            flow = (EquivariantHamiltonianFlow) checkpoint.model();
        } else {
            if (cmd.model.symmetries.isEmpty()) {
                cmd.model.symmetries = List.of(defaultSymmetry(energy));
            }
            FlowConfig config = cmd.model.config(d, seed, java.util.Collections.nCopies(d, 0.0), 1.0);
            flow = EquivariantHamiltonianFlow.create(config);
            LOG.info("training {} by reverse KL to the energy {} (d = {}, {} base draws per update, {} momenta each), symmetry {}, "
                    + "constraint {}, {} parameters", cmd.out, energy.spec(), d, batch(), config.trainingSamples(), config.symmetries().isEmpty() ? "none" : String.join(" ", config.symmetries()),
                    config.constraint().name().toLowerCase(Locale.ROOT),
                    flow.parameters().values().stream().mapToLong(a -> a.length()).sum());
        }
        flow.trainByReverseKl(energy);
        BaseDraws data = new BaseDraws(flow.parts().base(), d, seed, flow.dataType());
        long cap = cmd.iterations != null ? cmd.iterations : DEFAULT_ITERATIONS;
        Path ckptDir = cmd.checkpointDir != null ? cmd.checkpointDir
                : cmd.out.toAbsolutePath().resolveSibling(cmd.out.getFileName() + ".checkpoints");
        TrainingOptions opts = TrainingOptions.builder().iterations(cap).batchSize(batch()).patience(0)
                .checkpointEvery(cmd.checkpointEvery).checkpointDir(ckptDir).out(cmd.out).seed(seed)
                .schedule(cmd.schedule != null ? Choices.parse("--lr-schedule", cmd.schedule, TrainingOptions.Schedule.class)
                        : TrainingOptions.Builder.DEFAULT_SCHEDULE)
                .timeBudget(cmd.timeBudget != null ? cmd.timeBudget : DEFAULT_BUDGET).augment(false).build();
        if (opts.schedule() == TrainingOptions.Schedule.PLATEAU) {
            throw new CommandLine.ParameterException(cl, "--lr-schedule plateau needs validation, which training from an energy has not");
        }
        Trainer trainer = checkpoint != null ? Trainer.resume(checkpoint, data, null, opts, List.of())
                : new Trainer(flow, data, null, opts, List.of());
        if (checkpoint != null) {
            LOG.info("resuming from {} at iteration {} (reverse KL to {})", cmd.resume, flow.iteration(), energy.spec());
        }
        cmd.engine.apply(flow, "training");
        trainer.addListener(new LoggingListener(cmd.logEvery, flow.generatorNames(), "E[log w]"));
        if (!cmd.noProgress && ProgressListener.wanted()) {
            trainer.addListener(new ProgressListener("train", flow.iteration(), cap));
        }
        trainer.run();
        LOG.info("model saved to {}", cmd.out);
        report(flow, energy, seed);
        return 0;
    }

    /**
     * The energy's own symmetry where it takes the hard constraint (rotation groups so(k)); otherwise none, with a
     * line saying how to impose it: under reverse KL the soft constraint's penalty triples the cost of an update and
     * measured worse on the particle double well (docs/results.md, "Training from an energy").
     */
    private String defaultSymmetry(UnnormalisedTarget energy) {
        String own = energy.symmetry();
        boolean rotations = org.eqflow.core.symmetry.SymmetrySpec.parse(own, energy.dimension())
                instanceof org.eqflow.core.symmetry.SymmetrySpec.Rotations;
        if (rotations || own.equals("none")) {
            return own;
        }
        LOG.info("the energy {} is invariant under {}; it would take the soft constraint, which measured worse in reverse-KL "
                + "training, so none is imposed (pass --symmetry {} to impose it)", energy.spec(), own, own);
        return "none";
    }

    private int batch() {
        return cmd.batch != null ? cmd.batch : DEFAULT_BATCH;
    }

    /** The importance-sampling report of a flow against an energy, as {@code train} and {@code eval} log it. */
    static Importance report(EquivariantHamiltonianFlow flow, UnnormalisedTarget energy, long seed) {
        Importance imp = ReverseKlEvaluation.importance(flow, energy, REPORT_SAMPLES, Noise.stream(seed, 0, Noise.Purpose.EVALUATION).nextLong(),
                ReverseKlEvaluation.DEFAULT_INNER);
        String known = energy.logNormaliser().isPresent()
                ? String.format(Locale.ROOT, " (exact log Z %s: log Ẑ − log Z = %s)", number(energy.logNormaliser().getAsDouble()),
                        number(imp.logZ() - energy.logNormaliser().getAsDouble()))
                : "";
        LOG.info(String.format(Locale.ROOT, "importance sampling of %s with %d draws (%d momenta each): ESS %s ± %s per draw, log Ẑ %s ± %s%s, "
                        + "bound E[-log w] %s ± %s nats", energy.spec(), REPORT_SAMPLES, ReverseKlEvaluation.DEFAULT_INNER, number(imp.ess()),
                number(imp.essStderr()), number(imp.logZ()), number(imp.logZStderr()), known,
                number(imp.bound()), number(imp.boundStderr())));
        return imp;
    }

    /** The energy a flag names; a bad spec is the flag's one-line error. (train, eval and sample take energies alike.) */
    static UnnormalisedTarget parseEnergy(CommandLine cl, String flag, String spec) {
        try {
            return UnnormalisedTargets.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, flag + ": " + e.getMessage());
        }
    }

    /** {@code --inner-momenta}, or the default {@link ReverseKlEvaluation#DEFAULT_INNER}, checked to be in 1..4096. */
    static int innerMomenta(CommandLine cl, Integer given) {
        int inner = given != null ? given : ReverseKlEvaluation.DEFAULT_INNER;
        if (inner < 1 || inner > 4096) {
            throw new CommandLine.ParameterException(cl, "--inner-momenta must be in 1..4096, got " + inner);
        }
        return inner;
    }

    /** Four decimals, or words for a value that is not a finite number (never printed as one). */
    static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : Double.isNaN(v) ? "undefined" : "not finite";
    }
}
