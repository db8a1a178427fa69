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
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SuTarget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Densities on SU(n) from the command line, as a user runs them: reverse KL, sampling, log-densities, maximum
 * likelihood, bad input; and the sphere's targets.
 */
class SuCliTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void trainTowardsATarget() {
        model = dir.resolve("su2.zip");
        CliTest.Run r = CliTest.run("train", "--target", "su2:boyda1", "--iterations", "200", "--batch", "128", "--hidden", "16",
                "--seed", "1", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void reverseKlTrainingMovesTheFlowToTheTarget() throws IOException {
        SpectralFlow flow = (SpectralFlow) ModelFile.loadModel(model);
        assertEquals("su2:boyda1", flow.config().target());
        assertEquals(16, flow.config().hidden());
        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--target", "su2:boyda1", "--samples", "4000");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        double haar = SuTarget.parse("su2:boyda1").haarEss();
        assertTrue(haar < 0.35 && json.get("ess").asDouble() > 0.9, "ESS " + json.get("ess") + " against Haar's " + haar);
        assertEquals(json.get("log_z_exact").asDouble(), json.get("log_z").asDouble(), 0.05, ev.out());
        assertTrue(json.get("invariance_error").asDouble() < 1e-8, ev.out());
        assertTrue(json.get("reverse_kl").asDouble() > -0.01, "a KL divergence is not negative: " + ev.out());
    }

    @Test
    void samplesAreMatricesOfSuTwoAndTheirLogDensitiesAreWritten() throws IOException {
        Path samples = dir.resolve("samples.csv");
        CliTest.Run s = CliTest.run("sample", "--model", model.toString(), "-n", "50", "--seed", "4", "--out", samples.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals("a,b,c,d", Files.readAllLines(samples).get(0), "SU(2) as unit quaternions");
        for (String line : Files.readAllLines(samples).subList(1, 51)) {
            double[] row = java.util.Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(null, ManifoldTraining.whyNotSu(row, 2), line);
        }
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", samples.toString());
        assertEquals(0, lp.code(), lp.err());
        String[] lines = lp.out().strip().split("\n");
        assertEquals(50, lines.length);
        for (String l : lines) {
            assertTrue(Double.isFinite(Double.parseDouble(l)), l);
        }
    }

    @Test
    void rowsOffTheGroupAreRefusedWithFileLineAndColumns() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b,c,d\n1,0,0,0\n1,0,0.1,0\n");
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", bad.toString());
        assertNotEquals(0, lp.code());
        assertTrue(lp.err().contains(bad + ":3:1-4: the quaternion has |q| = 1.00499, not 1"), lp.err());
        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "1,0,0,0,0,0,1,0\n");
        CliTest.Run w = CliTest.run("eval", "--model", model.toString(), "--data", wide.toString());
        assertTrue(w.err().contains("points have 8 columns but the model expects 4"), w.err());
        // SU(3): i·I is unitary with det = −i
        double[] iI = new double[18];
        for (int k = 0; k < 3; k++) {
            iI[2 * (3 * k + k) + 1] = 1;
        }
        assertTrue(ManifoldTraining.whyNotSu(iI, 3).startsWith("1-18: the row is det U = "), ManifoldTraining.whyNotSu(iI, 3));
        assertTrue(ManifoldTraining.whyNotSu(new double[] {1, 0, 0, 0}, 3).contains("a matrix of SU(3) is 18"));
    }

    /** Exact draws of a mild target (`eqflow data`), maximum likelihood on them, and the held-out gap to its entropy. */
    @Test
    void maximumLikelihoodOnMatrices() throws IOException {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("test.csv");
        assertEquals(0, CliTest.run("data", "--target", "su2:3,1", "-n", "600", "--seed", "1", "--out", train.toString()).code());
        assertEquals(0, CliTest.run("data", "--target", "su2:3,1", "-n", "600", "--seed", "2", "--out", test.toString()).code());
        Path ml = dir.resolve("ml.zip");
        CliTest.Run r = CliTest.run("train", "--data", train.toString(), "--manifold", "su2", "--iterations", "150", "--batch", "128",
                "--hidden", "16", "--no-progress", "--out", ml.toString());
        assertEquals(0, r.code(), r.err());
        CliTest.Run ev = CliTest.run("eval", "--model", ml.toString(), "--data", test.toString(), "--target", "su2:3,1",
                "--samples", "2000");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        double entropy = SuTarget.parse("su2:3,1").entropy();
        // Haar measure's NLL is 0, the entropy about −0.9: training must close most of that gap.
        assertTrue(json.get("gap").asDouble() < 0.15 && json.get("gap").asDouble() > -0.1, ev.out());
        assertEquals(json.get("nll").asDouble() - entropy, json.get("gap").asDouble(), 6 * json.get("gap_stderr").asDouble() + 0.05);
        assertTrue(entropy < -0.5, "the target is far from Haar: " + entropy);
    }

    /** The sphere's targets: {@code eqflow data --target s2:…} writes unit vectors x,y,z and the entropy. */
    @Test
    void sphereDataAreUnitVectors() throws IOException {
        Path file = dir.resolve("s2.csv");
        CliTest.Run r = CliTest.run("data", "--target", "s2:bands", "-n", "100", "--seed", "3", "--entropy", "--out", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("entropy of s2:bands: 1.8497"), r.err());
        java.util.List<String> lines = Files.readAllLines(file);
        assertEquals("x,y,z", lines.get(0));
        assertEquals(101, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            double[] v = java.util.Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(1.0, v[0] * v[0] + v[1] * v[1] + v[2] * v[2], 1e-12, line);
        }
    }

    @Test
    void flagsOfOtherFamiliesAndMismatchesAreRefusedWithTheFix() {
        assertTrue(CliTest.run("train", "--target", "su3:boyda1", "--symmetry", "so2", "--out", dir.resolve("x.zip").toString())
                .err().contains("--symmetry does not apply to a density on SU(n)"));
        assertTrue(CliTest.run("train", "--target", "su3:boyda1", "--manifold", "su2", "--out", dir.resolve("x.zip").toString())
                .err().contains("is on SU(3)"));
        assertTrue(CliTest.run("train", "--target", "ring", "--objective", "reverse-kl", "--out", dir.resolve("x.zip").toString())
                .err().contains("--objective configures a flow on a manifold"));
        assertTrue(CliTest.run("train", "--target", "su2:boyda1", "--objective", "likelihood", "--out", dir.resolve("x.zip").toString())
                .err().contains("needs --data MATRICES.csv"));
        assertTrue(CliTest.run("train", "--target", "su2:boyda1", "--patience", "3", "--out", dir.resolve("x.zip").toString())
                .err().contains("no data to validate on"));
        assertTrue(CliTest.run("train", "--target", "su2:boyda1", "--warmup", "100", "--out", dir.resolve("x.zip").toString())
                .err().contains("drop --validation, --patience and --warmup"));
        assertTrue(CliTest.run("train", "--data", "x.csv", "--manifold", "su9", "--out", dir.resolve("x.zip").toString())
                .err().contains("su2, su3 and su4"));
        assertTrue(CliTest.run("data", "--target", "su3:30,1", "-n", "10", "--out", dir.resolve("x.csv").toString())
                .err().contains("too peaked to sample by rejection"));
    }
}
