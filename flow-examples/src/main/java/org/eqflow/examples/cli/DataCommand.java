package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.eqflow.core.Noise;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eqflow data}: draw points from a built-in target, e.g. a held-out test set. */
@Command(name = "data", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw N samples from a built-in target into a CSV with the header x0,x1,... (exact draws; doublewell:K",
            "draws each point by its own seeded Markov chain); with --entropy, also print the target's entropy (nats)",
            "and its error bound to stderr."})
final class DataCommand implements Callable<Integer> {
    @Option(names = "--target", paramLabel = "NAME", required = true, description = "ring:R,SIGMA, shell:D,R,SIGMA, shells:D,R1,...,Rk,SIGMA (concentric shells), rings, "
            + "circles, 8gaussians, checkerboard, moons, grid:K,SPACING,SIGMA, doublewell:K, or a product of independent ones A*B (e.g. ring:2,0.2*ring:1,0.15); matrices of SU(n): su<n>:boyda1|2|3 "
            + "or su<n>:BETA,C1,C2,... (rows a,b,c,d, the unit quaternion, for SU(2); re00,im00,re01,... for SU(n ≥ 3); exact draws by rejection from Haar measure); "
            + "unit vectors x,y,z on the sphere: s2:vmf:KAPPA, s2:vmfx:KAPPA (about x: not invariant about z), s2:bands or s2:bands:W,C,S,...")
    String target;

    @Option(names = "-n", paramLabel = "N", required = true)
    int n;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    @Option(names = "--entropy", description = "print the entropy to stderr")
    boolean entropy;

    /** The points are drawn into memory at once: 10⁷ rows of a few coordinates is a few hundred MB. */
    static final int MAX_N = 10_000_000;

    @Option(names = "--out", paramLabel = "OUT.csv", required = true, description = "where the points go; - for standard output")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (n < 1 || n > MAX_N) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n must be in 1.." + MAX_N + " (the points are held in "
                    + "memory), got " + n);
        }
        String header;
        double[][] x;
        java.util.function.Supplier<String> entropyLine;
        if (ManifoldTraining.isSu(target)) {
            org.eqflow.core.manifold.SuTarget t = org.eqflow.core.manifold.SuTarget.parse(target);
            header = org.eqflow.core.manifold.SpecialUnitary.rowHeader(t.n()) + "\n";
            x = t.sample(n, Noise.stream(seed, 0, Noise.Purpose.DATA)).stream()
                    .map(org.eqflow.core.manifold.SpecialUnitary::toRow).toArray(double[][]::new);
            entropyLine = () -> String.format(Locale.ROOT, "entropy of %s: %.4f nats relative to the normalised Haar measure "
                    + "(quadrature)", t.name(), t.entropy());
        } else if (ManifoldTraining.isSphere(target)) {
            org.eqflow.core.manifold.SphereTarget t = org.eqflow.core.manifold.SphereTarget.parse(target);
            header = "x,y,z\n";
            x = t.sample(n, Noise.stream(seed, 0, Noise.Purpose.DATA));
            entropyLine = () -> String.format(Locale.ROOT, "entropy of %s: %.6f nats with respect to area (uniform: log 4π = %.6f)",
                    t.name(), t.entropy(), org.eqflow.core.manifold.SphereFlow.LOG_AREA);
        } else {
            Target t = Targets.parse(target);
            header = Output.pointsHeader(t.dimension(), t.contextSize());
            x = t.sample(n, Noise.stream(seed, 0, Noise.Purpose.DATA));
            entropyLine = () -> {
                Target.Entropy h = t.entropy();
                return String.format(Locale.ROOT, "%sentropy of %s: %.4f nats (± %.1e)", t.contextSize() > 0 ? "conditional " : "",
                        t.spec(), h.nats(), h.errorBound());
            };
        }
        Output.write(out, spec.commandLine(), w -> {
            StringBuilder b = new StringBuilder(header);
            for (double[] row : x) {
                for (int j = 0; j < row.length; j++) {
                    b.append(j == 0 ? "" : ",").append(row[j]);
                }
                b.append('\n');
            }
            w.write(b.toString());
        });
        if (entropy) {
            spec.commandLine().getErr().println(entropyLine.get());
            spec.commandLine().getErr().flush();
        }
        return 0;
    }
}
