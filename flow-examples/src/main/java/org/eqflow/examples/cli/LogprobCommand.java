package org.eqflow.examples.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.objective.Iwae;
import org.eqflow.examples.io.CsvPoints;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eqflow logprob}: one IWAE estimate of log p(x) per input row, streamed. */
@Command(name = "logprob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Estimate log p(x) in nats for every row of a CSV file (IWAE with M importance samples),",
            "in input order, one per line, no header. The file is validated completely before anything is computed,",
            "then processed in chunks (bounded memory); --out is written to a temporary file renamed at the end."})
final class LogprobCommand implements Callable<Integer> {
    private static final int CHUNK = 1024;

    @CommandLine.Mixin
    EstimateOptions in;

    @Option(names = "--with-error", description = "add a second column: the Monte Carlo standard error of the estimate")
    boolean withError;

    @Option(names = "--out", paramLabel = "OUT.csv", description = "write here instead of standard output")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EquivariantHamiltonianFlow flow = in.load(spec.commandLine());
        if (out != null) {
            Output.atomically(out, w -> write(w, flow));
        } else {
            PrintWriter w = spec.commandLine().getOut();
            write(w, flow);
            w.flush();
        }
        return 0;
    }

    private void write(Writer w, EquivariantHamiltonianFlow flow) throws java.io.IOException {
        long[] chunk = {0};
        try {
            CsvPoints.stream(in.data, CHUNK, rows -> {
                Iwae.Estimate[] est = flow.logDensity(Nd4j.create(rows), in.samples, in.seed + 7919L * chunk[0]++);
                try {
                    for (Iwae.Estimate e : est) {
                        w.write(Double.toString(e.logDensity()));
                        if (withError) {
                            w.write(',');
                            w.write(Double.toString(e.standardError()));
                        }
                        w.write('\n');
                    }
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
