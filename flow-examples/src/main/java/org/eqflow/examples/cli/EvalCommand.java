package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.eval.EvaluationReport;
import org.eqflow.core.eval.Evaluator;
import org.eqflow.core.group.Groups;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code eqflow eval}: held-out evaluation as one JSON object. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on test points: ELBO, IWAE, NLL with standard errors; with --target the entropy",
            "and the paired gap mean(log p_true - log p_model); the invariance error under the symmetry (the model's",
            "unless --symmetry is given) and, for a Hamiltonian flow, the equivariance error of its map, max |T(g·s) - g·T(s)|",
            "(standardised units); the constraint violations and multipliers. Prints one JSON object."})
final class EvalCommand implements Callable<Integer> {
    private static final int CHUNK = 1024;

    @CommandLine.Mixin
    EstimateOptions in;

    @Option(names = "--symmetry", paramLabel = "SPEC", description = "symmetry for the invariance error of a Hamiltonian "
            + "flow (default: the model's); repeatable")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--factors", paramLabel = "SPEC", split = " ", description = "Hamiltonian flows: the factors of a direct-product "
            + "symmetry to measure one by one — the map's equivariance error under each factor alone and its leak into the other "
            + "coordinates (docs/results.md, \"Disentanglement\"); repeatable, e.g. --factors so2:0,1 --factors so2:2,3 "
            + "(default: the model's own symmetry specs when it has two or more)")
    List<String> factors = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP", description = "measure the invariance error under this group instead: "
            + "c<n>, d<n>, so2, o2, perm:<k>x<m> (every element of a finite group; 8 evenly spread of a continuous one); "
            + "default: the model's own symmetry or group")
    String group;

    @Option(names = "--target", paramLabel = "NAME", description = "the true distribution, for the entropy and the gap; for "
            + "a flow on S² an s2: target (entropy, nll_minus_entropy and the paired gap); for an SU(n) model an su<n>: "
            + "target, for importance sampling (reverse KL, ESS, log Z; then --data is optional and "
            + "--samples is the number of draws, default 20000)")
    String target;

    @Option(names = "--energy", paramLabel = "NAME", description = "Hamiltonian flows: importance sampling of an energy exp(-E) "
            + "(the --energy of train): ESS, log Z with standard errors (and its error where log Z is known), the reverse-KL "
            + "bound; --data is not used and --samples is the number of draws (default " + ENERGY_SAMPLES + ")")
    String energy;

    @Option(names = "--inner-momenta", paramLabel = "K", description = "with --energy: momenta per draw in the importance weight, "
            + "the draw's own and K-1 encoder draws (1: the joint weight; more approach the marginal's weight p(x)/q(x), still "
            + "unbiased for Z; default " + org.eqflow.core.eval.ReverseKlEvaluation.DEFAULT_INNER + ")")
    Integer innerMomenta;

    @Option(names = "--ode-steps", paramLabel = "K", description = "flows on S² and SU(n): integrate the flow with K Runge–Kutta steps "
            + "instead of the model's own (the same potential, another discretisation: how much log q depends on it)")
    Integer odeSteps;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (energy != null) {
            return evaluateEnergy();
        }
        if (innerMomenta != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inner-momenta goes with --energy");
        }
        TrainableModel flow = in.load(spec.commandLine(), true);
        if (flow instanceof org.eqflow.core.manifold.SpectralFlow su) {
            if (odeSteps != null && (odeSteps < 1 || odeSteps > 1024)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ode-steps must be in 1..1024, got " + odeSteps);
            }
            return evaluateSu(odeSteps == null ? su : su.withSteps(odeSteps));
        }
        if (flow instanceof org.eqflow.core.manifold.SphereFlow s2) {
            if (odeSteps != null && (odeSteps < 1 || odeSteps > 1024)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ode-steps must be in 1..1024, got " + odeSteps);
            }
            return evaluateSphere(odeSteps == null ? s2 : s2.withSteps(odeSteps));
        }
        if (odeSteps != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ode-steps applies to flows on S² and SU(n); this is a "
                    + flow.family() + " flow");
        }
        int d = flow.dimension();
        Optional<Target> t = Optional.ofNullable(target).map(Targets::parse);
        if (t.isPresent() && t.get().dimension() != d) {
            throw new IllegalArgumentException("target " + target + " has dimension " + t.get().dimension() + " but the model " + d);
        }
        int k = EstimateOptions.contextSize(flow);
        if (t.isPresent() && t.get().contextSize() != k) {
            throw new IllegalArgumentException("target " + target + (t.get().contextSize() == 0 ? " is not conditional" : " is conditional on "
                    + t.get().contextSize() + " context value(s)") + " but the model " + (k == 0 ? "is not" : "on " + k)
                    + (k == 0 ? ": for the x of a conditional target use its -marginal" : ""));
        }
        if (group != null && !symmetries.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --symmetry or --group, not both");
        }
        Evaluator evaluator;
        if (flow instanceof EquivariantHamiltonianFlow h && group == null) {
            evaluator = new Evaluator(h, in.samples, in.seed, Symmetries.parse(symmetries, d), t);
            if (!factors.isEmpty()) {
                evaluator.factors(factors);
            }
        } else if (!factors.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--factors applies to Hamiltonian flows without --group");
        } else if (!symmetries.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--symmetry applies to Hamiltonian flows; this model is a "
                    + flow.family() + " flow: measure its invariance with --group");
        } else {
            evaluator = Evaluator.underGroup(flow, in.samples, in.seed, Optional.ofNullable(group).map(g -> Groups.parse(g, d)), t);
        }
        CsvPoints.stream(in.data, CHUNK, rows -> evaluator.add(Nd4j.create(rows)));
        EvaluationReport report = evaluator.report();
        Output.json(spec.commandLine(), report);
        return 0;
    }

    /** A flow on SU(n): importance sampling of an su<n>: target, log-likelihood of data, conjugation invariance. */
    private Integer evaluateSu(org.eqflow.core.manifold.SpectralFlow flow) throws java.io.IOException {
        if (group != null || !symmetries.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a flow on SU(n) is invariant under conjugation by "
                    + "construction: drop --symmetry/--group (the report measures the conjugation invariance)");
        }
        org.eqflow.core.manifold.SuTarget t = target == null ? null : org.eqflow.core.manifold.SuTarget.parse(target);
        java.util.List<org.eqflow.core.manifold.ComplexMatrix> data = null;
        if (in.data != null) {
            data = new ArrayList<>();
            for (double[] row : CsvPoints.readAll(in.data)) {
                data.add(org.eqflow.core.manifold.SpecialUnitary.fromRow(flow.config().n(), row));
            }
        }
        boolean samplesGiven = spec.commandLine().getParseResult().hasMatchedOption("--samples");
        Output.json(spec.commandLine(), org.eqflow.core.manifold.SuEvaluation.evaluate(flow, t, data,
                samplesGiven ? in.samples : SU_SAMPLES, in.seed));
        return 0;
    }

    /** A flow on S²: log-likelihood of data, its gap to an s2: target's entropy, invariance under rotations about z. */
    private Integer evaluateSphere(org.eqflow.core.manifold.SphereFlow flow) throws java.io.IOException {
        if (group != null || !symmetries.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the report of a flow on S² measures the invariance under "
                    + "rotations about z: drop --symmetry/--group");
        }
        org.eqflow.core.manifold.SphereTarget t = target == null ? null : org.eqflow.core.manifold.SphereTarget.parse(target);
        java.util.List<double[]> data = in.data == null ? null : java.util.Arrays.asList(CsvPoints.readAll(in.data));
        Output.json(spec.commandLine(), org.eqflow.core.manifold.SphereEvaluation.evaluate(flow, t, data, in.seed));
        return 0;
    }

    /** A Hamiltonian flow as an importance sampler of an energy. */
    private Integer evaluateEnergy() throws java.io.IOException {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (String flag : List.of("--data", "--target", "--symmetry", "--group", "--factors", "--ode-steps")) {
            if (given.hasMatchedOption(flag)) {
                throw new CommandLine.ParameterException(spec.commandLine(), flag + " does not go with --energy (which draws from the "
                        + "model and weighs the draws by the energy): evaluate the two separately");
            }
        }
        int draws = given.hasMatchedOption("--samples") ? in.samples : ENERGY_SAMPLES;
        if (draws < 20 || draws > 10_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--samples with --energy must be in 20..10000000, got " + draws);
        }
        org.eqflow.core.target.UnnormalisedTarget e = EnergyTraining.parseEnergy(spec.commandLine(), "--energy", energy);
        TrainableModel flow = in.allow.load(in.model);
        if (!(flow instanceof EquivariantHamiltonianFlow h)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--energy evaluates Hamiltonian flows; this is a " + flow.family()
                    + " flow");
        }
        in.engine.apply(h, "evaluation");
        int inner = EnergyTraining.innerMomenta(spec.commandLine(), innerMomenta);
        Output.json(spec.commandLine(), org.eqflow.core.eval.ReverseKlEvaluation.report(h, e, draws, in.seed, inner));
        return 0;
    }

    /** Importance draws of an energy evaluation unless --samples. */
    static final int ENERGY_SAMPLES = 20_000;

    /** Importance samples of an SU(n) evaluation unless --samples. */
    static final int SU_SAMPLES = 20_000;
}
