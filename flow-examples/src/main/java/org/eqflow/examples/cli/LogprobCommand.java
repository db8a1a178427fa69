package org.eqflow.examples.cli;

import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code eqflow logprob}: one IWAE estimate of log p(x) per input row, streamed. */
@Command(name = "logprob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Estimate log p(x) in nats for every row of a CSV file (IWAE with M importance samples),",
            "in input order, one per line, no header. The file is validated completely before anything is computed,",
            "then processed in chunks (bounded memory); --out is written to a temporary file renamed at the end.",
            "Flows on manifolds give the exact log-density (the backward flow): on SU(n) with respect to the normalised",
            "Haar measure, on S² (rows x,y,z) with respect to area."})
final class LogprobCommand implements Callable<Integer> {
    private static final int CHUNK = 1024;

    @CommandLine.Mixin
    EstimateOptions in;

    @Option(names = "--with-error", description = "add a second column: the Monte Carlo standard error of the estimate")
    boolean withError;

    @Option(names = "--allow-nonfinite", description = "write NaN for a point whose estimate is not finite (beyond double "
            + "precision) and go on; the count goes to stderr. Without it such a point ends the command with an error")
    boolean allowNonfinite;

    @Option(names = "--out", paramLabel = "OUT.csv", description = "write here instead of standard output (- for standard output)")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (withError && in.samples < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--with-error needs --samples >= 2 (one sample has no spread)");
        }
        DensityModel flow = in.load(spec.commandLine());
        long[] nonFinite = {0};
        Output.write(out, spec.commandLine(), w -> write(w, flow, nonFinite));
        if (nonFinite[0] > 0) {
            spec.commandLine().getErr().println("eqflow: warning: " + nonFinite[0] + " rows of " + in.data
                    + " had no finite log-density estimate; written as NaN");
            spec.commandLine().getErr().flush();
        }
        return 0;
    }

    private void write(Writer w, DensityModel flow, long[] nonFinite) throws java.io.IOException {
        long[] chunk = {0};
        long[] row = {0};
        try {
            CsvPoints.stream(in.data, CHUNK, rows -> {
                Iwae.Estimate[] est = flow.logDensity(Nd4j.create(rows), in.samples, in.seed + 7919L * chunk[0]++);
                try {
                    for (Iwae.Estimate e : est) {
                        row[0]++;
                        if (!Double.isFinite(e.logDensity())) {
                            if (!allowNonfinite) {
                                throw new IllegalStateException(in.data + ": data row " + row[0] + ": the log-density estimate is "
                                        + "not finite (the point lies beyond double precision for this model); "
                                        + "pass --allow-nonfinite to write NaN for such rows and go on");
                            }
                            nonFinite[0]++;
                            w.write(withError ? "NaN,NaN\n" : "NaN\n");
                            continue;
                        }
                        w.write(Double.toString(e.logDensity()));
                        if (withError) {
                            w.write(',');
                            w.write(Double.toString(e.standardError()));
                        }
                        w.write('\n');
                    }
                    w.flush();
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
