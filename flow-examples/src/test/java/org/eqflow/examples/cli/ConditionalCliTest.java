package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conditional densities from the command line, as a user runs them: data with a context column, {@code train
 * --context-columns}, {@code eval --target}, {@code logprob}, {@code sample --context} (a file or one context), and
 * one-line errors for a context that does not fit.
 */
class ConditionalCliTest {
    @TempDir
    Path dir;

    @Test
    void trainEvaluateScoreAndSampleAConditionalModel() throws Exception {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("test.csv");
        assertEquals(0, CliTest.run("data", "--target", "cring", "-n", "400", "--seed", "1", "--out", train.toString()).code());
        assertEquals(0, CliTest.run("data", "--target", "cring", "-n", "100", "--seed", "2", "--out", test.toString()).code());
        assertEquals("x0,x1,c0", Files.readAllLines(train).get(0));
        Path model = dir.resolve("cond.zip");
        CliTest.Run t = CliTest.run("train", "--data", train.toString(), "--context-columns", "1", "--symmetry", "so2", "--iterations", "20",
                "--hidden", "8", "--no-progress", "--out", model.toString());
        assertEquals(0, t.code(), t.err());

        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--data", test.toString(), "--target", "cring", "--samples", "8");
        assertEquals(0, ev.code(), ev.err());
        JsonNode report = new ObjectMapper().readTree(ev.out());
        assertTrue(report.get("gap").isNumber() && Double.isFinite(report.get("gap").asDouble()), ev.out());
        assertTrue(report.get("invariance_error").asDouble() < 1e-4, "hard so(2) at every context: " + ev.out());
        assertEquals(2.245, report.get("entropy").asDouble(), 1e-3, "the conditional entropy");

        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", test.toString(), "--samples", "4");
        assertEquals(0, lp.code(), lp.err());
        assertEquals(100, lp.out().strip().split("\n").length);

        Path contexts = dir.resolve("contexts.csv");
        Files.writeString(contexts, "c\n-0.5\n0\n0.5\n");
        Path drawn = dir.resolve("drawn.csv");
        CliTest.Run s = CliTest.run("sample", "--model", model.toString(), "--context", contexts.toString(), "--out", drawn.toString());
        assertEquals(0, s.code(), s.err());
        List<String> lines = Files.readAllLines(drawn);
        assertEquals(List.of("x0,x1,c0"), lines.subList(0, 1));
        assertEquals(4, lines.size(), "one draw per context row");
        assertTrue(lines.get(3).endsWith(",0.5"), lines.get(3));
        CliTest.Run at = CliTest.run("sample", "--model", model.toString(), "--context", "0.25", "-n", "7", "--out", "-");
        assertEquals(0, at.code(), at.err());
        assertEquals(8, at.out().strip().split("\n").length);
        CliTest.Run back = CliTest.run("logprob", "--model", model.toString(), "--data", drawn.toString(), "--samples", "4");
        assertEquals(0, back.code(), "sample's output is scored as it is: " + back.err());

        Path plots = dir.resolve("plots");
        CliTest.Run p = CliTest.run("plot", "--model", model.toString(), "--target", "cring", "--context", "0.5", "--grid", "8", "--samples",
                "4", "--out", plots.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(Files.exists(plots.resolve("model-density.png")) && Files.exists(plots.resolve("target-density.png")));
        assertError(CliTest.run("plot", "--model", model.toString(), "--out", plots.toString()), "give --context v1,...,v1");

        assertError(CliTest.run("sample", "--model", model.toString(), "-n", "5", "--out", "-"),
                "conditional density p(x | c) of 1 context value(s): give --context");
        assertError(CliTest.run("sample", "--model", model.toString(), "--context", "0.1,0.2", "-n", "5", "--out", "-"),
                "--context gives 2 value(s) but the model takes 1");
        assertError(CliTest.run("sample", "--model", model.toString(), "--context", "zero", "-n", "5", "--out", "-"),
                "'zero' is not a number");
        assertError(CliTest.run("logprob", "--model", model.toString(), "--data", test.toString(), "--context-columns", "2"),
                "was trained with --context-columns 1");
        Path narrow = dir.resolve("narrow.csv");
        Files.writeString(narrow, "x0,x1\n1,2\n");
        assertError(CliTest.run("logprob", "--model", model.toString(), "--data", narrow.toString()),
                "expects 2 coordinates and then 1 context value(s)");
        assertError(CliTest.run("eval", "--model", model.toString(), "--data", test.toString(), "--target", "ring"),
                "is not conditional but the model on 1");
        assertError(CliTest.run("train", "--data", train.toString(), "--context-columns", "3", "--out", dir.resolve("x.zip").toString()),
                "--context-columns 3 leaves no coordinates");
        assertError(CliTest.run("train", "--target", "cring", "--context-columns", "2", "--out", dir.resolve("y.zip").toString()),
                "does not match the target");
    }

    private static void assertError(CliTest.Run r, String expected) {
        assertTrue(r.code() != 0, "expected a failure: " + expected);
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }
}
