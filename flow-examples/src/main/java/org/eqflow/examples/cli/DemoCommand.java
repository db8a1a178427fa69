package org.eqflow.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.eqflow.examples.demo.Demo;
import org.eqflow.examples.demo.DemoSize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code eqflow demo}: the paper's experiments and more, as plots, CSVs and a summary. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the examples: so2 (paper Fig. 2A), multimodal (Fig. 2B), beyond (hard vs soft vs none, so(3),",
            "data efficiency), anomaly (a DL4J pipeline), conditional (p(x | c): one point normal under one context,",
            "anomalous under another), finite (8 Gaussians under C8: the G-residual flow), manifold (SU(2), SU(3):",
            "densities invariant under conjugation; S²: invariant about an axis), or all. Writes PNG plots, the CSV behind",
            "each, and summary.md. The default size runs Fig. 2A and the data-efficiency curve over five seeds (error bars)",
            "and takes about six minutes on a 2-core laptop for the paper's examples, about 2.5 more for finite and 4 more",
            "for manifold; --quick about 30 seconds (one seed; manifold: under 2 minutes); --full is paper-length."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

    @Parameters(index = "0", paramLabel = "so2|multimodal|beyond|anomaly|conditional|finite|manifold|all", defaultValue = "all")
    String which;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "demo-out", description = "output directory (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--quick", description = "smaller runs (about 30 seconds)")
    boolean quick;

    @Option(names = "--full", description = "paper-length runs (hidden 128, 10,000 iterations)")
    boolean full;

    @Option(names = "--tiny", hidden = true, description = "only check that everything runs (tests)")
    boolean tiny;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1")
    long seed;

    @Option(names = "--seeds", paramLabel = "N", description = "so2 and beyond: Fig. 2A's runs and the data-efficiency curve over "
            + "seeds S … S+N-1, mean ± standard error in their tables and error bars in their plots (default: "
            + DEFAULT_SEEDS + " at the default size, 1 with --quick and --full)")
    Integer seeds;

    /** Seeds of the error-bar curves at the default size: the "at least five". */
    static final int DEFAULT_SEEDS = 5;

    @Option(names = "--force", description = "write into a non-empty --out")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((quick ? 1 : 0) + (full ? 1 : 0) + (tiny ? 1 : 0) > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "choose one of --quick and --full");
        }
        if (seeds != null && (seeds < 1 || seeds > 100)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seeds must be in 1..100, got " + seeds);
        }
        DemoSize size = tiny ? DemoSize.TINY : quick ? DemoSize.QUICK : full ? DemoSize.FULL : DemoSize.DEFAULT;
        int seeds = this.seeds != null ? this.seeds : size == DemoSize.DEFAULT ? DEFAULT_SEEDS : 1;
        List<String> examples = which.equals("all") ? Demo.EXAMPLES : List.of(which);
        int steps = 0;
        for (String e : examples) {
            steps += Demo.steps(e, size, seeds);
        }
        if (Files.isDirectory(out) && !force) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new java.nio.file.FileAlreadyExistsException(out.toString(), null,
                            "the output directory is not empty; pass --force to write into it");
                }
            }
        }
        Files.createDirectories(out);
        ProgressBar bar = ProgressListener.wanted() ? new ProgressBarBuilder().setTaskName("demo").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null;
        try {
            Demo.run(examples, out, size, seed, seeds, what -> {
                LOG.info(what);
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(" " + what);
                }
            });
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        LOG.info("demo written to {} (summary.md, PNG plots and their CSVs)", out.toAbsolutePath());
        return 0;
    }
}
