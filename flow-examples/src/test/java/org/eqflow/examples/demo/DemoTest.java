package org.eqflow.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.eqflow.examples.cli.Eqflow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example runs in a tiny configuration and writes its plots, their CSVs and its summary section. */
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void everyExampleRunsTiny() throws IOException {
        List<String> steps = new ArrayList<>();
        String summary = Demo.run(Demo.EXAMPLES, dir, DemoSize.TINY, 1, steps::add);
        int expected = Demo.EXAMPLES.stream().mapToInt(e -> Demo.steps(e, DemoSize.TINY)).sum();
        assertEquals(expected, steps.size(), "progress steps " + steps);
        for (String section : new String[] {"SO(2) domain knowledge", "Multimodal density", "Beyond the paper", "Anomaly detection",
            "Finite symmetry", "Densities on SU(n)"}) {
            assertTrue(summary.contains(section), section);
        }
        assertEquals(summary, Files.readString(dir.resolve("summary.md")));
        for (String plot : new String[] {"so2-infinite-curves", "so2-finite-curves", "so2-target-density", "so2-learned-density",
            "so2-kinetic", "so2-potential", "multimodal-potential", "multimodal-single-step", "multimodal-flow",
            "beyond-data-efficiency", "anomaly-scatter", "finite-density-0", "finite-density-2", "finite-data-efficiency",
            "manifold-su3-target", "manifold-su3-flow", "manifold-su2", "manifold-ess", "manifold-kl",
            "manifold-s2-target", "manifold-s2-flow"}) {
            Path png = dir.resolve(plot + ".png");
            assertTrue(ImageIO.read(png.toFile()).getWidth() > 100, plot + ".png is an image");
            assertTrue(Files.readAllLines(dir.resolve(plot + ".csv")).size() > 1, plot + ".csv has data");
            assertTrue(summary.contains(plot + ".png") || plot.startsWith("so2-") || plot.startsWith("multimodal-"), plot);
        }
    }

    @Test
    void refusesANonEmptyOutputDirectory() throws IOException {
        Files.writeString(dir.resolve("keep.txt"), "mine");
        StringWriter err = new StringWriter();
        int code = Eqflow.commandLine().setErr(new PrintWriter(err)).execute("demo", "so2", "--tiny", "--out", dir.toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("--force"), err.toString());
        assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
    }
}
