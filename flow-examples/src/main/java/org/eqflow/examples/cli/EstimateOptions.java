package org.eqflow.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options shared by the commands that estimate log-densities of a CSV of points with a saved model. */
final class EstimateOptions {
    @Option(names = "--model", paramLabel = "MODEL.zip", required = true)
    Path model;

    @Option(names = "--data", paramLabel = "X.csv", required = true, description = "points, one per row")
    Path data;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "256", description = "importance samples (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    void check(picocli.CommandLine cl) {
        if (samples < 1) {
            throw new picocli.CommandLine.ParameterException(cl, "--samples must be >= 1");
        }
    }
}
