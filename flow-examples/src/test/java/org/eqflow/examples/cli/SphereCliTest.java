package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.manifold.SphereSymmetry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Densities on the sphere S² from the command line, as a user runs them: data, training, sampling, log-densities, bad input. */
class SphereCliTest {
    @TempDir
    static Path dir;
    static Path train;
    static Path test;
    static Path model;

    @BeforeAll
    static void trainOnDrawsOfAVonMisesFisherDensity() {
        train = dir.resolve("train.csv");
        test = dir.resolve("test.csv");
        assertEquals(0, CliTest.run("data", "--target", "s2:vmf:3", "-n", "1000", "--seed", "1", "--out", train.toString()).code());
        assertEquals(0, CliTest.run("data", "--target", "s2:vmf:3", "-n", "1000", "--seed", "2", "--out", test.toString()).code());
        model = dir.resolve("s2.zip");
        CliTest.Run r = CliTest.run("train", "--data", train.toString(), "--manifold", "s2", "--symmetry", "axis:z", "--iterations", "150",
                "--hidden", "8", "--batch", "128", "--seed", "1", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void trainingApproachesTheTargetAndTheDensityIsInvariant() throws IOException {
        SphereFlow flow = (SphereFlow) ModelFile.loadModel(model);
        assertEquals(SphereSymmetry.AXIS_Z, flow.config().symmetry());
        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--data", test.toString(), "--target", "s2:vmf:3");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        // the uniform density's gap is log 4π − H ≈ 0.78 nats; 150 updates close most of it
        assertTrue(json.get("gap").asDouble() < 0.1, ev.out());
        assertEquals(json.get("nll_minus_entropy").asDouble(), json.get("gap").asDouble(), 6 * json.get("gap_stderr").asDouble() + 0.02,
                ev.out());
        assertTrue(json.get("invariance_error").asDouble() < 1e-9, ev.out());
        assertEquals("axis:z", json.get("symmetry").asText());
    }

    @Test
    void samplesAreUnitVectorsAndTheirLogDensitiesAreWritten() throws IOException {
        Path samples = dir.resolve("samples.csv");
        CliTest.Run s = CliTest.run("sample", "--model", model.toString(), "-n", "40", "--seed", "4", "--out", samples.toString());
        assertEquals(0, s.code(), s.err());
        java.util.List<String> lines = Files.readAllLines(samples);
        assertEquals("x,y,z", lines.get(0));
        double meanZ = 0;
        for (String line : lines.subList(1, 41)) {
            double[] v = java.util.Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(1.0, Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), 1e-12, line);
            meanZ += v[2] / 40;
        }
        assertTrue(meanZ > 0.3, "the samples lean towards +z like the target (E z = coth 3 − 1/3 ≈ 0.67): " + meanZ);
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", samples.toString());
        assertEquals(0, lp.code(), lp.err());
        String[] out = lp.out().strip().split("\n");
        assertEquals(40, out.length);
        for (String l : out) {
            assertTrue(Double.isFinite(Double.parseDouble(l)), l);
        }
    }

    @Test
    void rowsOffTheSphereAreRefusedWithFileLineAndColumns() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "x,y,z\n0,0,1\n0,0.6,0.9\n");
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", bad.toString());
        assertNotEquals(0, lp.code());
        assertTrue(lp.err().contains(bad + ":3:1-3: |x| = 1.08167, not 1 (points of S² are unit vectors)"), lp.err());
        CliTest.Run tr = CliTest.run("train", "--data", bad.toString(), "--manifold", "s2", "--out", dir.resolve("bad.zip").toString());
        assertTrue(tr.err().contains(bad + ":3:1-3: |x| = 1.08167"), tr.err());
        assertTrue(Files.notExists(dir.resolve("bad.zip")));
    }

    @Test
    void flagsOfOtherFamiliesAndMistakesAreRefusedWithTheFix() {
        String out = dir.resolve("x.zip").toString();
        assertTrue(CliTest.run("train", "--data", train.toString(), "--manifold", "s2", "--symmetry", "so3", "--out", out)
                .err().contains("use axis:z (rotations about the z axis) or none"));
        assertTrue(CliTest.run("train", "--data", train.toString(), "--manifold", "s2", "--objective", "reverse-kl", "--out", out)
                .err().contains("--objective does not apply to a density on S²"));
        assertTrue(CliTest.run("train", "--target", "s2:bands", "--out", out)
                .err().contains("eqflow data --target s2:bands -n 10000 --out X.csv"));
        assertTrue(CliTest.run("train", "--data", train.toString(), "--manifold", "s3", "--out", out).err().contains("this eqflow has s2"));
    }
}
