package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eqflow.core.io.OutputLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The red-team run's command-line cases (issue "untrusted model files, output targets and far-away
 * points"), each as the user met it: the command, its exit code and its one line on stderr.
 */
class RedTeamCliTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path points;

    record Run(int code, String out, String err) {
        /** The error's one line (the only line on stderr but for log lines). */
        String error() {
            return err.lines().filter(l -> l.startsWith("eqflow:")).findFirst().orElse("");
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Eqflow.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = Eqflow.execute(cl, args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run fails(int code, String expected, String... args) {
        Run r = run(args);
        assertEquals(code, r.code(), String.join(" ", args) + " -> " + r.err());
        assertTrue(r.error().contains(expected), String.join(" ", args) + " -> " + r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("eqflow:")).count(), r.err());
        return r;
    }

    @BeforeAll
    static void trainTinyModel() throws IOException {
        model = dir.resolve("ring.zip");
        Run r = run("train", "--target", "ring", "--iterations", "20", "--batch", "64", "--hidden", "8",
                "--symmetry", "so2", "--seed", "1", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        points = dir.resolve("points.csv");
        Files.writeString(points, "x0,x1\n2,0\n0,2\n");
    }

    @Test
    void outputTargetsAreWrittenNotReplaced() throws Exception {
        Path devNull = Path.of("/dev/null");
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "5", "--out", "/dev/null").code());
        assertFalse(Files.isRegularFile(devNull), "/dev/null is still a device");

        Path real = dir.resolve("real.csv");
        Path link = dir.resolve("link.csv");
        Files.writeString(real, "old\n");
        Files.createSymbolicLink(link, real);
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "5", "--out", link.toString()).code());
        assertTrue(Files.isSymbolicLink(link), "the link is kept");
        assertEquals(6, Files.readAllLines(real).size(), "the file it points to is replaced");

        Path fifo = dir.resolve("pipe");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        CompletableFuture<List<String>> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readAllLines(fifo);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "5", "--out", fifo.toString()).code());
        assertEquals(6, reader.get().size(), "the FIFO's reader got every line");
        assertFalse(Files.isRegularFile(fifo), "the FIFO is still a FIFO");

        Run dash = run("sample", "--model", model.toString(), "-n", "5", "--out", "-");
        assertEquals(6, dash.out().lines().count(), "- is standard output");

        fails(1, "is a directory", "sample", "--model", model.toString(), "-n", "5", "--out", dir.toString());
        if (Files.exists(Path.of("/dev/full"))) {
            fails(1, "/dev/full: no space left on the device", "sample", "--model", model.toString(), "-n", "5000",
                    "--out", "/dev/full");
            assertFalse(Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still a device");
        }
    }

    @Test
    void aFailedWriteToStandardOutputIsAnError() {
        OutputStream full = new OutputStream() {
            private int written;

            @Override
            public void write(int b) throws IOException {
                if (++written > 10) {
                    throw new IOException("No space left on device");
                }
            }
        };
        for (String[] args : new String[][] {
                {"logprob", "--model", model.toString(), "--data", points.toString(), "--samples", "4"},
                {"eval", "--model", model.toString(), "--data", points.toString(), "--samples", "4"},
                {"sample", "--model", model.toString(), "-n", "100", "--out", "-"}}) {
            StringWriter err = new StringWriter();
            CommandLine cl = Eqflow.commandLine().setOut(new PrintWriter(full)).setErr(new PrintWriter(err));
            assertEquals(1, Eqflow.execute(cl, args), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains("standard output") && err.toString().lines().count() == 1, err.toString());
        }
    }

    @Test
    void twoRunsCannotWriteTheSameModel() throws IOException {
        Path out = dir.resolve("contended.zip");
        try (OutputLock held = OutputLock.acquire(out)) {
            fails(1, "being written by another eqflow run", "train", "--target", "ring", "--iterations", "2", "--hidden", "4",
                    "--no-progress", "--out", out.toString());
        }
        assertEquals(0, run("train", "--target", "ring", "--iterations", "2", "--hidden", "4", "--no-progress",
                "--out", out.toString()).code(), "free again once the other run ends");
    }

    @Test
    void orphanedTemporaryFilesOfDeadProcessesAreRemoved() throws IOException {
        Path out = dir.resolve("orphans.csv");
        Path orphan = dir.resolve(".orphans.csv.pid999999999-123.tmp");
        Path live = dir.resolve(".orphans.csv.pid" + ProcessHandle.current().pid() + "-456.tmp");
        Files.writeString(orphan, "half a file");
        Files.writeString(live, "being written");
        assertEquals(0, run("sample", "--model", model.toString(), "-n", "3", "--out", out.toString()).code());
        assertFalse(Files.exists(orphan), "a dead process's temporary file is removed");
        assertTrue(Files.exists(live), "a running process's temporary file is kept");
    }

    @Test
    void numbersAndSizesAreChecked() throws IOException {
        fails(2, "'1f' is not a number", "train", "--target", "ring", "--lr", "1f", "--out", dir.resolve("a.zip").toString());
        fails(2, "'0x1p3' is not a number", "train", "--target", "ring", "--lr", "0x1p3", "--out", dir.resolve("a.zip").toString());
        fails(2, "'NaN' is not a number", "train", "--target", "ring", "--kappa", "NaN", "--out", dir.resolve("a.zip").toString());
        fails(2, "--warmup must be >= 0, got -5", "train", "--target", "ring", "--warmup", "-5", "--no-progress", "--out", dir.resolve("a.zip").toString());
        fails(2, "--batch must be in 1..65536", "train", "--target", "ring", "--batch", "2147483647", "--out", dir.resolve("a.zip").toString());
        fails(1, "hidden size must be in 1..4096", "train", "--target", "ring", "--hidden", "100000", "--no-progress",
                "--out", dir.resolve("a.zip").toString());
        fails(2, "-n must be in 1..10000000", "data", "--target", "ring", "-n", "2147483647", "--out", dir.resolve("d.csv").toString());
        fails(2, "--samples must be in 1..65536", "logprob", "--model", model.toString(), "--data", points.toString(),
                "--samples", "2147483647");
        Path hexCell = dir.resolve("hex.csv");
        Files.writeString(hexCell, "1,2\n0x1p3,1f\n");
        fails(1, "hex.csv:2:1: '0x1p3' is not a number", "logprob", "--model", model.toString(), "--data", hexCell.toString());
    }

    @Test
    void messagesNameTheFileAndTheRealCause() throws Exception {
        fails(1, "is a directory", "train", "--data", dir.toString(), "--out", dir.resolve("b.zip").toString());
        fails(1, "is a directory", "logprob", "--model", dir.toString(), "--data", points.toString());
        Path fifo = dir.resolve("model-fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        fails(1, "not a regular file", "sample", "--model", fifo.toString(), "-n", "3", "--out", "-");

        Path quoted = dir.resolve("quoted.csv");
        Files.writeString(quoted, "1,2\n3,\"4\n5\",6\n");
        fails(1, "quoted.csv:2:3: a quoted field runs past the end of the line", "logprob", "--model", model.toString(),
                "--data", quoted.toString());
        Path longLine = dir.resolve("long.csv");
        Files.writeString(longLine, "1," + "9".repeat(2 << 20) + "\n");
        fails(1, "long.csv:1: the line is longer than", "logprob", "--model", model.toString(), "--data", longLine.toString());

        // ±1e308 data: the scale is found without overflow (it used to become ∞ and fall back to 1, then "diverge")
        Path huge = dir.resolve("huge.csv");
        Files.writeString(huge, "1e308,-1e308\n-1e308,1e308\n1e308,1e308\n-1e308,-1e308\n");
        Path hugeModel = dir.resolve("huge.zip");
        Run trained = run("train", "--data", huge.toString(), "--iterations", "2", "--hidden", "4", "--no-progress",
                "--out", hugeModel.toString());
        assertEquals(0, trained.code(), trained.err());
        Run scored = run("logprob", "--model", hugeModel.toString(), "--data", huge.toString(), "--samples", "4");
        assertEquals(0, scored.code(), scored.err());
        scored.out().lines().forEach(l -> assertTrue(Double.isFinite(Double.parseDouble(l)), l));

        Path badTest = dir.resolve("badtest.csv");
        Files.writeString(badTest, "1,2\n3,x\n");
        Path notWritten = dir.resolve("never.zip");
        fails(1, "badtest.csv:2:2", "train", "--target", "ring", "--iterations", "50", "--hidden", "4", "--no-progress",
                "--test", badTest.toString(), "--out", notWritten.toString());
        assertFalse(Files.exists(notWritten), "a bad --test file is found before training, not after");
    }

    @Test
    void aModelFileConstructsOnlyAllowedClasses() {
        Path custom = dir.resolve("custom.zip");
        assertEquals(0, run("train", "--target", "ring", "--iterations", "2", "--hidden", "4", "--no-progress",
                "--symmetry", "class:" + SwapRotation.class.getName(), "--out", custom.toString()).code());
        fails(1, "--allow-class " + SwapRotation.class.getName(), "sample", "--model", custom.toString(), "-n", "3", "--out", "-");
        assertEquals(0, run("sample", "--model", custom.toString(), "-n", "3", "--out", "-",
                "--allow-class", "org.eqflow.examples").code());
    }

    @Test
    void farPointsGetFiniteLogDensitiesOrAnErrorNamingTheRow() throws IOException {
        Path far = dir.resolve("far.csv");
        Files.writeString(far, "2,0\n1000,0\n1000000,0\n");
        Run r = run("logprob", "--model", model.toString(), "--data", far.toString(), "--samples", "16", "--with-error");
        assertEquals(0, r.code(), r.err());
        List<String> rows = r.out().lines().toList();
        assertEquals(3, rows.size());
        double previous = Double.POSITIVE_INFINITY;
        for (String row : rows) {
            double lp = Double.parseDouble(row.split(",")[0]);
            assertTrue(Double.isFinite(lp) && lp < previous, r.out());
            previous = lp;
        }
        Path beyond = dir.resolve("beyond.csv");
        Files.writeString(beyond, "2,0\n1e200,0\n");
        fails(1, "data row 2: the log-density estimate is not finite", "logprob", "--model", model.toString(),
                "--data", beyond.toString(), "--samples", "4");
        Run allowed = run("logprob", "--model", model.toString(), "--data", beyond.toString(), "--samples", "4", "--allow-nonfinite");
        assertEquals(0, allowed.code(), allowed.err());
        assertEquals("NaN", allowed.out().lines().toList().get(1));
        assertTrue(allowed.err().contains("1 rows of"), allowed.err());
        fails(1, "data row 2", "eval", "--model", model.toString(), "--data", beyond.toString(), "--samples", "4");
    }

    @Test
    void resumeKeepsTheSeedAndTakesANewLearningRate() {
        Path out = dir.resolve("resumed.zip");
        Path ckpt = dir.resolve("ckpt");
        assertEquals(0, run("train", "--target", "ring", "--iterations", "4", "--hidden", "4", "--seed", "7", "--no-progress",
                "--checkpoint-every", "2", "--checkpoint-dir", ckpt.toString(), "--out", out.toString()).code());
        fails(1, "differs from the checkpoint's seed 7", "train", "--target", "ring", "--iterations", "6", "--seed", "8",
                "--resume", ckpt.toString(), "--no-progress", "--out", out.toString());
        Run r = run("train", "--target", "ring", "--iterations", "6", "--lr", "1e-5", "--resume", ckpt.toString(),
                "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
    }

    @CommandLine.Command(name = "exhaust")
    static final class Exhaust implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void errorsAreOneLineEvenForOutOfMemory() {
        StringWriter err = new StringWriter();
        CommandLine oom = new CommandLine(new Exhaust()).setErr(new PrintWriter(err));
        assertEquals(1, Eqflow.execute(oom));
        assertTrue(err.toString().startsWith("eqflow: error: out of memory") && err.toString().lines().count() == 1, err.toString());
    }
}
