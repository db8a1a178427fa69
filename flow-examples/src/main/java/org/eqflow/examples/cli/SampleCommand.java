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

    @Option(names = "-n", paramLabel = "N", required = true, description = "number of samples")
    long n;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    /** Samples are streamed; the bound only keeps a typo from running for days. */
    static final long MAX_N = 1_000_000_000L;

    @CommandLine.Mixin
    AllowClassOption allow = new AllowClassOption();

    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--out", paramLabel = "OUT.csv", required = true, description = "where the samples go; - for standard output")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (n < 1 || n > MAX_N) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n must be in 1.." + MAX_N + ", got " + n);
        }
        DensityModel flow = engine.apply(allow.load(model), "sampling");
        int d = flow.dimension();
        Output.write(out, spec.commandLine(), w -> {
            w.write(flow instanceof org.eqflow.core.manifold.SpectralFlow su
                    ? org.eqflow.core.manifold.SpecialUnitary.rowHeader(su.config().n()) + "\n"
                    : flow instanceof org.eqflow.core.manifold.SphereFlow ? "x,y,z\n" : Output.pointsHeader(d));
            long chunk = 0;
            for (long done = 0; done < n; done += CHUNK, chunk++) {
                int m = (int) Math.min(CHUNK, n - done);
                INDArray x = flow.sample(m, seed + 104_729L * chunk);
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < d; j++) {
                        b.append(j == 0 ? "" : ",").append(x.getDouble(i, j));
                    }
                    b.append('\n');
                }
                w.write(b.toString());
            }
        });
        return 0;
    }
}
