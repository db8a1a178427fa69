package org.eqflow.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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

    @Option(names = "--model", paramLabel = "MODEL.zip", required = true)
    Path model;

    @Option(names = "--data", paramLabel = "TEST.csv", required = true)
    Path data;

    @Option(names = "--symmetry", paramLabel = "SPEC", description = "symmetry for the invariance error (default: the model's); repeatable")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--samples", paramLabel = "M", defaultValue = "256", description = "importance samples (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--target", paramLabel = "NAME", description = "the true distribution, for the entropy and the gap")
    String target;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (samples < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--samples must be >= 1");
        }
        EquivariantHamiltonianFlow flow = ModelArgument.load(model);
        int d = flow.config().dimension();
        Optional<Target> t = Optional.ofNullable(target).map(Targets::parse);
        if (t.isPresent() && t.get().dimension() != d) {
            throw new IllegalArgumentException("target " + target + " has dimension " + t.get().dimension() + " but the model " + d);
        }
        Optional<Symmetry> sym = Symmetries.parse(symmetries, d);
        ModelArgument.validate(data, flow);
        Evaluator evaluator = new Evaluator(flow, samples, seed, sym, t);
        CsvPoints.stream(data, CHUNK, rows -> evaluator.add(Nd4j.create(rows)));
        EvaluationReport report = evaluator.report();
        spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
