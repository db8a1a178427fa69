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
            "unless --symmetry is given); the constraint violations and multipliers. Prints one JSON object."})
final class EvalCommand implements Callable<Integer> {
    private static final int CHUNK = 1024;

    @CommandLine.Mixin
    EstimateOptions in;

    @Option(names = "--symmetry", paramLabel = "SPEC", description = "symmetry for the invariance error of a Hamiltonian "
            + "flow (default: the model's); repeatable")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP", description = "measure the invariance error under this group instead: "
            + "c<n>, d<n>, so2, o2, perm:<k>x<m> (every element of a finite group; 8 evenly spread of a continuous one); "
            + "default: the model's own symmetry or group")
    String group;

    @Option(names = "--target", paramLabel = "NAME", description = "the true distribution, for the entropy and the gap")
    String target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainableModel flow = in.load(spec.commandLine());
        int d = flow.dimension();
        Optional<Target> t = Optional.ofNullable(target).map(Targets::parse);
        if (t.isPresent() && t.get().dimension() != d) {
            throw new IllegalArgumentException("target " + target + " has dimension " + t.get().dimension() + " but the model " + d);
        }
        if (group != null && !symmetries.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --symmetry or --group, not both");
        }
        Evaluator evaluator;
        if (flow instanceof EquivariantHamiltonianFlow h && group == null) {
            evaluator = new Evaluator(h, in.samples, in.seed, Symmetries.parse(symmetries, d), t);
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
}
