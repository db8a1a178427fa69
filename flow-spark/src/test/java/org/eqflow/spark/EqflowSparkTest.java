package org.eqflow.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.io.ModelFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user runs it, on a {@code local[2]} master: train, score, sample, and its refusals. */
class EqflowSparkTest {

    record Run(int code, String err) {
    }

    static Run run(String... args) {
        StringWriter err = new StringWriter();
        var cl = EqflowSpark.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute(args);
        return new Run(code, err.toString());
    }

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        SparkSession.getDefaultSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    private static Path ringCsv(Path dir, int n) throws Exception {
        java.util.SplittableRandom r = Noise.stream(3, 0, Noise.Purpose.DATA);
        StringBuilder b = new StringBuilder("x0,x1\n");
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * r.nextDouble();
            double radius = 2 + 0.2 * r.nextGaussian();
            b.append(radius * Math.cos(a)).append(',').append(radius * Math.sin(a)).append('\n');
        }
        Path f = dir.resolve("ring.csv");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void trainScoreAndSampleFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path csv = ringCsv(dir, 300);
        Path model = dir.resolve("m.zip");
        Run train = run("train", "--master", "local[2]", "--data", csv.toString(), "--out", model.toString(), "--symmetry", "so2",
                "--iterations", "30", "--batch-size", "32", "--hidden", "8", "--log-every", "10");
        assertEquals(0, train.code(), train.err());
        EquivariantHamiltonianFlow m = ModelFile.load(model);
        assertEquals(30, m.iteration());
        assertEquals(List.of("so2"), m.config().symmetries());

        Path scored = dir.resolve("scored");
        Run score = run("score", "--master", "local[2]", "--model", model.toString(), "--data", csv.toString(), "--out",
                scored.toString(), "--format", "csv", "--samples", "16");
        assertEquals(0, score.code(), score.err());
        List<Row> rows = SparkSession.active().read().option("header", true).option("inferSchema", true).csv(scored.toString())
                .collectAsList();
        assertEquals(300, rows.size());
        for (Row r : rows) {
            double logp = r.getDouble(r.fieldIndex("log_p"));
            assertTrue(Double.isFinite(logp) && logp < 5, "log p " + logp);
        }
        Run again = run("score", "--master", "local[2]", "--model", model.toString(), "--data", csv.toString(), "--out",
                scored.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists: pass --force"), again.err());
        assertEquals(1, again.err().strip().lines().count(), again.err());

        Path withId = dir.resolve("with-id.csv");
        List<String> lines = Files.readAllLines(csv);
        StringBuilder b = new StringBuilder("id," + lines.get(0) + "\n");
        for (int i = 1; i < 21; i++) {
            b.append(i).append(',').append(lines.get(i)).append('\n');
        }
        Files.writeString(withId, b);
        Run noColumns = run("score", "--master", "local[2]", "--model", model.toString(), "--data", withId.toString(), "--out",
                dir.resolve("id-scores").toString());
        assertEquals(1, noColumns.code());
        assertTrue(noColumns.err().contains("has 3 columns [id, x0, x1] but the model has dimension 2: choose its coordinates with --columns"),
                noColumns.err());
        Run chosen = run("score", "--master", "local[2]", "--model", model.toString(), "--data", withId.toString(), "--out",
                dir.resolve("id-scores").toString(), "--columns", "x0,x1", "--samples", "8");
        assertEquals(0, chosen.code(), chosen.err());
        assertEquals(List.of("id", "x0", "x1", "log_p", "log_p_se"),
                List.of(SparkSession.active().read().parquet(dir.resolve("id-scores").toString()).columns()));

        Path draws = dir.resolve("draws");
        Run sample = run("sample", "--master", "local[2]", "--model", model.toString(), "-n", "50", "--out", draws.toString(),
                "--partitions", "3");
        assertEquals(0, sample.code(), sample.err());
        assertEquals(50, SparkSession.active().read().parquet(draws.toString()).count());

        // a conditional density: the last column (the point's radius − 2) is the context
        Path rowsWithContext = dir.resolve("conditional.csv");
        StringBuilder c = new StringBuilder("x0,x1,c0\n");
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",");
            c.append(line).append(',').append(Math.hypot(Double.parseDouble(v[0]), Double.parseDouble(v[1])) - 2).append('\n');
        }
        Files.writeString(rowsWithContext, c);
        Path conditional = dir.resolve("conditional.zip");
        Run ct = run("train", "--master", "local[2]", "--data", rowsWithContext.toString(), "--out", conditional.toString(),
                "--symmetry", "so2", "--context-columns", "1", "--iterations", "10", "--batch-size", "32", "--hidden", "8");
        assertEquals(0, ct.code(), ct.err());
        EquivariantHamiltonianFlow cm = ModelFile.load(conditional);
        assertEquals(1, cm.config().contextSize());
        assertEquals(2, cm.dimension());
        Run cs = run("score", "--master", "local[2]", "--model", conditional.toString(), "--data", rowsWithContext.toString(), "--out",
                dir.resolve("conditional-scores").toString(), "--samples", "4");
        assertEquals(0, cs.code(), cs.err());
        assertEquals(300, SparkSession.active().read().parquet(dir.resolve("conditional-scores").toString()).count());
        Run refused = run("sample", "--master", "local[2]", "--model", conditional.toString(), "-n", "5", "--out",
                dir.resolve("never").toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("eqflow sample --context"), refused.err());
    }

    @Test
    void aTextCellStopsTrainingWithOneLineNamingTheColumn(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "x0,x1\n1.0,2.0\n0.5,abc\n-1.0,0.3\n");
        Run r = run("train", "--master", "local[2]", "--data", csv.toString(), "--out", dir.resolve("m.zip").toString(),
                "--iterations", "2", "--batch-size", "2", "--hidden", "4");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("column 'x1' of " + csv + " is not numeric: 'abc' is not a number"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(!Files.exists(dir.resolve("m.zip")), "nothing is written");
        Files.writeString(csv, "x0,x1\n1.0,2.0\n0.5,\n-1.0,0.3\n");
        r = run("train", "--master", "local[2]", "--data", csv.toString(), "--out", dir.resolve("m.zip").toString(),
                "--iterations", "2", "--batch-size", "2", "--hidden", "4");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("empty cell in column 'x1'"), r.err());
    }

    @Test
    void aModelFileNamingAClassIsNotScoredUnlessAllowed(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("class.zip");
        ModelFile.save(EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("class:org.eqflow.spark.TestRotation").hidden(4)
                .build()), model, false);
        Path csv = ringCsv(dir, 10);
        Run r = run("score", "--master", "local[2]", "--model", model.toString(), "--data", csv.toString(), "--out",
                dir.resolve("s").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--allow-class org.eqflow.spark.TestRotation"), r.err());
        Run ok = run("score", "--master", "local[2]", "--model", model.toString(), "--data", csv.toString(), "--out",
                dir.resolve("s").toString(), "--allow-class", "org.eqflow.spark.TestRotation", "--samples", "4");
        assertEquals(0, ok.code(), ok.err());
    }
}
