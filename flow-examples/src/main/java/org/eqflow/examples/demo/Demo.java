package org.eqflow.examples.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.eqflow.core.io.AtomicFiles;

/** Runs the examples and writes {@code summary.md} beside their plots. */
public final class Demo {
    /** The examples, in the order {@code all} runs them. */
    public static final List<String> EXAMPLES = List.of("so2", "multimodal", "beyond", "anomaly", "conditional", "finite", "manifold");

    private Demo() {
    }

    /** Number of progress steps an example reports (for a progress bar). */
    public static int steps(String example, DemoSize size) {
        return steps(example, size, 1);
    }

    /** {@link #steps(String, DemoSize)} with the data-efficiency curve over {@code seeds} seeds. */
    public static int steps(String example, DemoSize size, int seeds) {
        return switch (example) {
            case "so2" -> 2 * seeds * (size == DemoSize.FULL ? 4 : 3) + 1;
            case "multimodal" -> 4;  // two models (soft-uniform and normal base), each trained and plotted
            case "beyond" -> 4 + 2 * seeds * (size == DemoSize.FULL ? 4 : size == DemoSize.TINY ? 1 : 3);
            case "anomaly" -> 2;
            case "conditional" -> 2;
            case "finite" -> (FiniteExample.withDihedral(size) ? 4 : 3) + 2 * FiniteExample.sizes(size).length;
            case "manifold" -> ManifoldExample.TARGETS.size() + 1;
            default -> throw new IllegalArgumentException("unknown example '" + example + "': use so2, multimodal, beyond, anomaly, "
                    + "conditional, finite, manifold or all");
        };
    }

    /** Runs the examples into {@code out}, calling {@code progress} at each step; returns the summary text. */
    public static String run(List<String> examples, Path out, DemoSize size, long seed, Consumer<String> progress) throws IOException {
        return run(examples, out, size, seed, 1, progress);
    }

    /** {@link #run(List, Path, DemoSize, long, Consumer)} with the data-efficiency curve over seeds {@code seed … seed + seeds − 1}. */
    public static String run(List<String> examples, Path out, DemoSize size, long seed, int seeds, Consumer<String> progress)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        DemoContext ctx = new DemoContext(out, size, seed, seeds, progress);
        StringBuilder md = new StringBuilder("# eqflow demo\n\n")
                .append(String.format(Locale.ROOT, "Size `%s`: hidden %d, %d iterations of %d points per model, seed %d. "
                        + "Every plot has the CSV of its numbers beside it.%n%n", size.name(), size.hidden(), size.iterations(),
                        size.batch(), seed));
        for (String e : examples) {
            long t0 = System.nanoTime();
            String section = switch (e) {
                case "so2" -> So2Example.run(ctx);
                case "multimodal" -> MultimodalExample.run(ctx);
                case "beyond" -> BeyondExample.run(ctx);
                case "anomaly" -> AnomalyExample.run(ctx);
                case "conditional" -> ConditionalExample.run(ctx);
                case "finite" -> FiniteExample.run(ctx);
                case "manifold" -> ManifoldExample.run(ctx);
                default -> throw new IllegalArgumentException("unknown example '" + e + "'");
            };
            md.append(section).append(String.format(Locale.ROOT, "_(%s: %.0f s)_%n%n", e, (System.nanoTime() - t0) / 1e9));
            String text = md.toString();
            AtomicFiles.write(out.resolve("summary.md"), os -> os.write(text.getBytes(StandardCharsets.UTF_8)));
        }
        return md.toString();
    }
}
