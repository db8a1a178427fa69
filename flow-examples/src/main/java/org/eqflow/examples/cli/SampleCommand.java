package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.model.DensityModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code eqflow sample}: draw points from a model. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw N points from a model (one forward pass of the flow) into a CSV with the header x0,x1,...;",
            "from a model on SU(n), matrices: SU(2) as unit quaternions a,b,c,d (U = [[a+ib, c+id], [-c+id, a-ib]]),",
            "SU(n ≥ 3) as re00,im00,re01,... (real and imaginary parts, row-major); from a model on S², unit vectors x,y,z"})
final class SampleCommand implements Callable<Integer> {
    private static final int CHUNK = 65_536;

    @Option(names = "--model", paramLabel = "MODEL.zip", required = true)
    Path model;

    @Option(names = "-n", paramLabel = "N", description = "number of samples (required, except with a --context file)")
    Long n;

    @Option(names = "--context", paramLabel = "C.csv|v1,v2,...", description = "conditional models: draw from p(x | c), one sample per "
            + "row of the CSV file C.csv (its K columns, header optional), or -n samples at the one context v1,...,vK; the rows written "
            + "are x0,...,c0,... so that logprob and eval read them back")
    String context;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    /** Samples are streamed; the bound only keeps a typo from running for days. */
    static final long MAX_N = 1_000_000_000L;

    @CommandLine.Mixin
    AllowClassOption allow = new AllowClassOption();

    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--reweight", paramLabel = "ENERGY", description = "Hamiltonian flows: add a column log_weight, the importance "
            + "log-weight of each draw against the energy exp(-E) (the --energy of train; docs/energy.md), "
            + "log w = -E(x) - log (1/K) sum_k q(x,p_k)/h(p_k|x) with the draw's own momentum and K-1 encoder draws; "
            + "exp(log_weight) averages to Z, and weights normalised over the file give estimates under exp(-E)/Z")
    String reweight;

    @Option(names = "--inner-momenta", paramLabel = "K", description = "with --reweight: momenta per draw in the weight (see eval "
            + "--help; default " + org.eqflow.core.eval.ReverseKlEvaluation.DEFAULT_INNER + ")")
    Integer innerMomenta;

    @Option(names = "--out", paramLabel = "OUT.csv", required = true, description = "where the samples go; - for standard output")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DensityModel flow = engine.apply(allow.load(model), "sampling");
        int d = flow.dimension();
        int k = EstimateOptions.contextSize(flow);
        if (context != null || k > 0) {
            return conditional((org.eqflow.core.EquivariantHamiltonianFlow) checkConditional(flow, k), d, k);
        }
        if (n == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '-n=N'");
        }
        if (n < 1 || n > MAX_N) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n must be in 1.." + MAX_N + ", got " + n);
        }
        if (reweight != null) {
            return reweighted(flow);
        }
        if (innerMomenta != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inner-momenta goes with --reweight");
        }
        String header = flow instanceof org.eqflow.core.manifold.SpectralFlow su
                ? org.eqflow.core.manifold.SpecialUnitary.rowHeader(su.config().n()) + "\n"
                : flow instanceof org.eqflow.core.manifold.SphereFlow ? "x,y,z\n" : Output.pointsHeader(d);
        writeChunks(header, (m, chunk) -> {
            INDArray x = flow.sample(m, seed + 104_729L * chunk);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    b.append(j == 0 ? "" : ",").append(x.getDouble(i, j));
                }
                b.append('\n');
            }
            return b.toString();
        });
        return 0;
    }

    private DensityModel checkConditional(DensityModel flow, int k) {
        if (k == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context: the model is not conditional (train it with "
                    + "--context-columns K for p(x | c))");
        }
        if (context == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the model is the conditional density p(x | c) of " + k
                    + " context value(s): give --context C.csv (one sample per row) or --context v1,...,v" + k + " with -n");
        }
        if (reweight != null || innerMomenta != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--reweight weighs draws against an energy, which has no context");
        }
        return flow;
    }

    /** Samples of {@code p(x | c)}: one per context row of a file, or {@code -n} at one context. */
    private Integer conditional(org.eqflow.core.EquivariantHamiltonianFlow flow, int d, int k) throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(context);
        boolean fromFile = java.nio.file.Files.exists(file);
        double[][] contexts = fromFile ? contextFile(file, k) : new double[][] {EstimateOptions.contextValues(spec.commandLine(), context, k)};
        if (fromFile && n != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n goes with --context v1,...,vK: a context file gives one "
                    + "sample per row (" + contexts.length + " rows)");
        }
        if (!fromFile) {
            if (n == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--context " + context + " needs -n: how many samples at it");
            }
            if (n < 1 || n > MAX_N) {
                throw new CommandLine.ParameterException(spec.commandLine(), "-n must be in 1.." + MAX_N + ", got " + n);
            }
        } else {
            n = (long) contexts.length;
        }
        writeChunks(Output.pointsHeader(d, k), (m, chunk) -> {
            double[][] c = new double[m][];
            for (int i = 0; i < m; i++) {
                c[i] = fromFile ? contexts[(int) (chunk * CHUNK + i)] : contexts[0];
            }
            INDArray x = flow.sample(org.nd4j.linalg.factory.Nd4j.create(c), seed + 104_729L * chunk);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    b.append(j == 0 ? "" : ",").append(x.getDouble(i, j));
                }
                for (int j = 0; j < k; j++) {
                    b.append(',').append(c[i][j]);
                }
                b.append('\n');
            }
            return b.toString();
        });
        return 0;
    }

    /** The contexts of a {@code --context} CSV file, {@code k} columns each. */
    private static double[][] contextFile(java.nio.file.Path file, int k) throws java.io.IOException {
        double[][] rows = org.eqflow.examples.io.CsvPoints.readAll(file);
        if (rows[0].length != k) {
            throw new org.eqflow.examples.io.CsvException(file + ": contexts have " + rows[0].length + " columns but the model takes " + k);
        }
        return rows;
    }

    /** Draws with their importance log-weights against an energy. */
    private Integer reweighted(DensityModel model) throws Exception {
        if (!(model instanceof org.eqflow.core.EquivariantHamiltonianFlow flow)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--reweight weighs the draws of a Hamiltonian flow; this model is "
                    + "of another family");
        }
        org.eqflow.core.target.UnnormalisedTarget energy = EnergyTraining.parseEnergy(spec.commandLine(), "--reweight", reweight);
        int d = flow.dimension();
        int inner = EnergyTraining.innerMomenta(spec.commandLine(), innerMomenta);
        if (energy.dimension() != d) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--reweight: the energy " + energy.spec() + " has dimension "
                    + energy.dimension() + " but the model " + d);
        }
        writeChunks(Output.pointsHeader(d).stripTrailing() + ",log_weight\n", (m, chunk) -> {
            org.eqflow.core.eval.ReverseKlEvaluation.Draws draws = org.eqflow.core.eval.ReverseKlEvaluation.draws(flow, energy, m, seed,
                    chunk, inner);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    b.append(j == 0 ? "" : ",").append(draws.points()[i][j]);
                }
                double lw = draws.logWeights()[i];
                if (Double.isNaN(lw) || lw == Double.POSITIVE_INFINITY) {
                    throw new IllegalStateException("the energy " + energy.spec() + " gave log-weight " + lw + " at the draw "
                            + java.util.Arrays.toString(draws.points()[i]) + ": it must be a number or +infinity (no weight)");
                }
                // a draw where the energy is infinite has weight 0: its log is written as the most negative double
                b.append(',').append(Double.isFinite(lw) ? lw : -Double.MAX_VALUE).append('\n');
            }
            return b.toString();
        });
        return 0;
    }

    /** The CSV text of one chunk of {@code m} rows, the {@code chunk}-th of the output. */
    private interface ChunkRows {
        String rows(int m, long chunk) throws java.io.IOException;
    }

    /** Writes {@code header}, then {@code -n} rows in chunks of at most {@value #CHUNK}, to {@code --out}. */
    private void writeChunks(String header, ChunkRows rows) throws java.io.IOException {
        Output.write(out, spec.commandLine(), w -> {
            w.write(header);
            long chunk = 0;
            for (long done = 0; done < n; done += CHUNK, chunk++) {
                w.write(rows.rows((int) Math.min(CHUNK, n - done), chunk));
            }
        });
    }
}
