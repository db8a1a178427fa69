package org.eqflow.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.examples.io.CsvException;
import org.eqflow.examples.io.CsvPoints;
import picocli.CommandLine.Option;

/** The options shared by the commands that estimate log-densities of a CSV of points with a saved model. */
final class EstimateOptions {
    @Option(names = "--model", paramLabel = "MODEL.zip", required = true)
    Path model;

    @Option(names = "--data", paramLabel = "X.csv", description = "points, one per row (required, except by eval of an SU(n) "
            + "model with --target)")
    Path data;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "256", description = "importance samples (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    @Option(names = "--context-columns", paramLabel = "K", description = "conditional models: the last K columns of every row are "
            + "the context c of p(x | c) (default: the model's own K; given, it must match)")
    Integer contextColumns;

    @picocli.CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @picocli.CommandLine.Mixin
    AllowClassOption allow = new AllowClassOption();

    /** The context size of a model: a conditional Hamiltonian flow's {@code k}, else 0. */
    static int contextSize(DensityModel model) {
        return model instanceof EquivariantHamiltonianFlow h ? h.config().contextSize() : 0;
    }

    /** The model's context size, checked against {@code --context-columns} when that is given. */
    static int checkContext(picocli.CommandLine cl, DensityModel model, Integer given) {
        int k = contextSize(model);
        if (given != null && given != k) {
            throw new picocli.CommandLine.ParameterException(cl, "--context-columns " + given + " does not match the model, which "
                    + (k == 0 ? "is not conditional: drop --context-columns" : "was trained with --context-columns " + k));
        }
        return k;
    }

    /**
     * One context of {@code k} values written {@code v1,...,vk} (the {@code --context} of sample and plot).
     *
     * @throws picocli.CommandLine.ParameterException naming the option and the value that is not a finite number
     */
    static double[] contextValues(picocli.CommandLine cl, String text, int k) {
        String[] parts = text.split(",", -1);
        double[] row = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                row[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.ParameterException(cl, "--context '" + text + "' is neither a file nor " + k
                        + " comma-separated numbers ('" + parts[i].trim() + "' is not a number)");
            }
            if (!Double.isFinite(row[i])) {
                throw new picocli.CommandLine.ParameterException(cl, "--context: value " + (i + 1) + " is not finite");
            }
        }
        if (row.length != k) {
            throw new picocli.CommandLine.ParameterException(cl, "--context gives " + row.length + " value(s) but the model takes " + k);
        }
        return row;
    }

    /** The most importance samples per point. */
    static final int MAX_SAMPLES = 1 << 16;

    /**
     * Checks the options, loads the model and validates the whole data file against it (nothing is
     * computed or written for a bad file).
     */
    TrainableModel load(picocli.CommandLine cl) throws IOException {
        return load(cl, false);
    }

    /** {@link #load(picocli.CommandLine)}, where {@code dataOptional} lets a manifold flow go without {@code --data}. */
    TrainableModel load(picocli.CommandLine cl, boolean dataOptional) throws IOException {
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw new picocli.CommandLine.ParameterException(cl, "--samples must be in 1.." + MAX_SAMPLES + ", got " + samples);
        }
        TrainableModel flow = allow.load(model);
        if (data == null) {
            if (!(dataOptional && flow instanceof org.eqflow.core.manifold.ManifoldFlow)) {
                throw new picocli.CommandLine.ParameterException(cl, "Missing required option: '--data=X.csv'");
            }
            return engine.apply(flow, "evaluation");
        }
        int k = checkContext(cl, flow, contextColumns);
        CsvPoints.Info info = CsvPoints.validate(data);
        if (info.dimension() != flow.dimension() + k) {
            throw new CsvException(data + ": points have " + info.dimension() + " columns but the model expects "
                    + (k == 0 ? flow.dimension() : flow.dimension() + " coordinates and then " + k + " context value(s)"));
        }
        ManifoldTraining.validate(data, flow);
        return engine.apply(flow, "evaluation");
    }
}
