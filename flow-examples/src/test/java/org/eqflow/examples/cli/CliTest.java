package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: outputs, formats, exit codes and one-line errors. */
class CliTest {
    @TempDir
    static Path dir;
    static Path model;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Eqflow.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void trainTinyModel() {
        model = dir.resolve("ring.zip");
        Run r = run("train", "--target", "ring", "--iterations", "20", "--batch", "64", "--hidden", "8",
                "--symmetry", "so2", "--seed", "1", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(model));
    }

    /**
     * Disentanglement from the command line: two independent rings (a product target), a model with the data's
     * factorisation (the plain command: hard) and one with another, each measured per true factor by {@code eval}.
     */
    @Test
    void evalMeasuresEachFactorOfAProductSymmetry() throws IOException {
        Path data = dir.resolve("two-rings.csv");
        assertEquals(0, run("data", "--target", "ring:2,0.2*ring:1,0.15", "-n", "200", "--seed", "3", "--out", data.toString()).code());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String[] symmetry : new String[][] {{"so2:0,1", "so2:2,3"}, {"so2:0,2", "so2:1,3"}}) {
            Path m = dir.resolve("factors-" + symmetry[0].replace(':', '-').replace(',', '-') + ".zip");
            Run t = run("train", "--data", data.toString(), "--iterations", "10", "--hidden", "8", "--symmetry", symmetry[0],
                    "--symmetry", symmetry[1], "--no-progress", "--out", m.toString());
            assertEquals(0, t.code(), t.err());
            Run ev = run("eval", "--model", m.toString(), "--data", data.toString(), "--samples", "4",
                    "--target", "ring:2,0.2*ring:1,0.15", "--factors", "so2:0,1", "--factors", "so2:2,3");
            assertEquals(0, ev.code(), ev.err());
            com.fasterxml.jackson.databind.JsonNode factors = json.readTree(ev.out()).get("factors");
            for (String f : new String[] {"so2:0,1", "so2:2,3"}) {
                double leak = factors.get(f).get("leak").asDouble();
                boolean right = symmetry[0].equals("so2:0,1");
                assertTrue(right ? leak < 1e-4 : leak > 1e-3, String.join(" ", symmetry) + ", factor " + f + ": leak " + leak);
            }
        }
    }

    /** Every command's help prints without a picocli warning (a bare {@code %} in a description is one). */
    @Test
    void everyHelpTextFormats() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (String command : Eqflow.commandLine().getSubcommands().keySet()) {
                Run r = run(command, "--help");
                assertEquals(0, r.code(), command + ": " + r.err());
                assertTrue(!r.out().contains("%n") && !r.err().contains("picocli WARN"), command + ": " + r.out() + r.err());
            }
        } finally {
            System.setErr(saved);
        }
        assertTrue(!captured.toString(java.nio.charset.StandardCharsets.UTF_8).contains("picocli WARN"), captured.toString());
    }

    /** {@code plot}: the model's and the target's maps with their CSVs; a model of another dimension is refused. */
    @Test
    void plotDrawsTheModelBesideTheTarget() throws IOException {
        Path out = dir.resolve("plot");
        Run r = run("plot", "--model", model.toString(), "--target", "ring", "--grid", "6", "--samples", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"model-density.png", "model-density.csv", "target-density.png", "target-density.csv"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals(1 + 36, Files.readAllLines(out.resolve("model-density.csv")).size(), "a header and 6×6 cells");
        Run wrong = run("plot", "--model", model.toString(), "--target", "shell:3,2,0.2", "--grid", "6", "--out", out.toString());
        assertTrue(wrong.code() != 0 && wrong.err().contains("has 3 coordinates, the model 2"), wrong.err());
    }

    /** {@code --path}: both engines give the same samples and log-densities (float32 round-off); a typo is named. */
    @Test
    void bothEnginesAgreeAndAnUnknownPathIsRefused() throws IOException {
        Path data = dir.resolve("engines.csv");
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "50", "--out", data.toString()).code());
        double[][] out = new double[2][];
        String[] paths = {"graph", "fused"};
        for (int k = 0; k < 2; k++) {
            Run lp = run("logprob", "--model", model.toString(), "--data", data.toString(), "--samples", "16", "--path", paths[k]);
            assertEquals(0, lp.code(), lp.err());
            out[k] = java.util.Arrays.stream(lp.out().strip().split("\n")).mapToDouble(Double::parseDouble).toArray();
            Run sample = run("sample", "--model", model.toString(), "-n", "5", "--path", paths[k], "--out", "-");
            assertEquals(0, sample.code(), sample.err());
        }
        for (int i = 0; i < out[0].length; i++) {
            assertEquals(out[0][i], out[1][i], 1e-3 * (1 + Math.abs(out[0][i])), "row " + i);
        }
        Run bad = run("sample", "--model", model.toString(), "-n", "5", "--path", "fsued", "--out", "-");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--path must be one of [auto, fused, graph], got 'fsued'"), bad.err());
    }

    @Test
    void sampleThenLogprobThenEval() throws IOException {
        Path samples = dir.resolve("samples.csv");
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "7", "--seed", "3", "--out", samples.toString()).code());
        List<String> lines = Files.readAllLines(samples);
        assertEquals("x0,x1", lines.get(0));
        assertEquals(8, lines.size());

        Run lp = run("logprob", "--model", model.toString(), "--data", samples.toString(), "--samples", "8");
        assertEquals(0, lp.code(), lp.err());
        String[] rows = lp.out().strip().split("\n");
        assertEquals(7, rows.length);
        Double.parseDouble(rows[0]);
        Run lpe = run("logprob", "--model", model.toString(), "--data", samples.toString(), "--samples", "8", "--with-error");
        assertEquals(2, lpe.out().strip().split("\n")[0].split(",").length);
        Run again = run("logprob", "--model", model.toString(), "--data", samples.toString(), "--samples", "8");
        assertEquals(lp.out(), again.out(), "seeded: the same command gives the same numbers");

        Path out = dir.resolve("lp.csv");
        assertEquals(0, run("logprob", "--model", model.toString(), "--data", samples.toString(), "--samples", "8",
                "--out", out.toString()).code());
        assertEquals(lp.out(), Files.readString(out));

        Run ev = run("eval", "--model", model.toString(), "--data", samples.toString(), "--samples", "8", "--target", "ring");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        for (String f : new String[] {"n", "elbo", "iwae", "nll", "nll_stderr", "entropy", "gap", "gap_stderr",
            "invariance_error", "constraint", "multipliers"}) {
            assertTrue(json.has(f), "eval JSON lacks " + f);
        }
        assertEquals(7, json.get("n").asInt());
    }

    @Test
    void refusesToOverwriteAModelWithoutForce() throws IOException {
        byte[] before = Files.readAllBytes(model);
        Run r = run("train", "--target", "ring", "--iterations", "1", "--hidden", "4", "--no-progress", "--out", model.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one-line error: " + r.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(model)));
    }

    @Test
    void badCsvGivesOneLineErrorAndWritesNothing() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "x,y\n1,2\n3,oops\n");
        Path out = dir.resolve("never.csv");
        Run r = run("logprob", "--model", model.toString(), "--data", bad.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ":3:2"), r.err());
        assertFalse(Files.exists(out));

        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "1,2,3\n");
        Run w = run("eval", "--model", model.toString(), "--data", wide.toString());
        assertEquals(1, w.code());
        assertTrue(w.err().contains("points have 3 columns but the model expects 2"), w.err());
    }

    @Test
    void flagErrors() {
        Run kappa = run("train", "--target", "ring", "--constraint", "none", "--kappa", "0.1", "--no-progress",
                "--out", dir.resolve("k.zip").toString());
        assertEquals(1, kappa.code());
        assertTrue(kappa.err().contains("kappa applies to the soft constraint only"), kappa.err());
        Run sym = run("train", "--target", "ring", "--symmetry", "so3", "--no-progress", "--out", dir.resolve("s.zip").toString());
        assertEquals(1, sym.code());
        assertTrue(sym.err().contains("must equal the data dimension"), sym.err());
        Run usage = run("train", "--out", dir.resolve("u.zip").toString());
        assertEquals(2, usage.code());
        Run both = run("train", "--target", "ring", "--data", "x.csv", "--out", dir.resolve("u.zip").toString());
        assertEquals(2, both.code());
    }

    /**
     * The plain command (no --iterations) holds out validation points, stops by itself (here: the time budget)
     * and says why; a duration without a unit is refused.
     */
    @Test
    void thePlainCommandValidatesOnHeldOutPointsAndSaysWhyItStopped() throws IOException {
        Path data = dir.resolve("plain-train.csv");
        assertEquals(0, run("data", "--target", "ring", "-n", "200", "--seed", "3", "--out", data.toString()).code());
        Path out = dir.resolve("plain.zip");
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        Run r;
        try {
            System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
            r = run("train", "--data", data.toString(), "--symmetry", "so2", "--hidden", "8", "--time-budget", "2s",
                    "--validate-every", "5", "--no-progress", "--out", out.toString());
        } finally {
            System.setErr(saved);
        }
        String text = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, r.code(), r.err() + text);
        assertTrue(text.contains("validation: 20 of the 200 training points held out"), text);
        assertTrue(text.matches("(?s).*training stopped at iteration \\d+: the time budget of 2s was spent; best validation log p .*"), text);
        assertTrue(Files.exists(out));
        Run bad = run("train", "--target", "ring", "--time-budget", "10", "--out", dir.resolve("t.zip").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'10' is not a positive duration: write it like 90s, 10m or 1h30m"), bad.err());
    }
}
