package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.eval.EvaluationReport;
import org.eqflow.core.eval.Evaluator;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eqflow eval}: held-out evaluation as one JSON object. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on test points: ELBO, IWAE, NLL with standard errors; with --target the entropy",
            "and the paired gap mean(log p_true - log p_model); the invariance error under the symmetry (the model's",
            "unless --symmetry is given); the constraint violations and multipliers. Prints one JSON object."})
final class EvalCommand implements Callable<Integer> {
    private static final int CHUNK = 1024;

    @CommandLine.Mixin
    EstimateOptions in;

    @Option(names = "--symmetry", paramLabel = "SPEC", description = "symmetry for the invariance error (default: the model's); repeatable")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--target", paramLabel = "NAME", description = "the true distribution, for the entropy and the gap")
    String target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EquivariantHamiltonianFlow flow = in.load(spec.commandLine());
        int d = flow.config().dimension();
        Optional<Target> t = Optional.ofNullable(target).map(Targets::parse);
        if (t.isPresent() && t.get().dimension() != d) {
            throw new IllegalArgumentException("target " + target + " has dimension " + t.get().dimension() + " but the model " + d);
        }
        Optional<Symmetry> sym = Symmetries.parse(symmetries, d);
        Evaluator evaluator = new Evaluator(flow, in.samples, in.seed, sym, t);
        CsvPoints.stream(in.data, CHUNK, rows -> evaluator.add(Nd4j.create(rows)));
        EvaluationReport report = evaluator.report();
        Output.json(spec.commandLine(), report);
        return 0;
    }
}
