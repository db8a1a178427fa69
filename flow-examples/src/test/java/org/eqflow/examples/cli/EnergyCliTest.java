package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.target.RadialWell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from an energy as a user runs it: {@code train --energy}, {@code eval --energy}, {@code sample --reweight},
 * and the mistakes refused in one line.
 */
class EnergyCliTest {
    private static final String RING = "ring:2,0.3";
    @TempDir
    static Path dir;
    static Path model;
    static CliTest.Run training;

    @BeforeAll
    static void trainFromTheEnergy() {
        model = dir.resolve("ring.zip");
        training = CliTest.run("train", "--energy", RING, "--iterations", "300", "--batch", "128", "--hidden", "16", "--seed", "1",
                "--threads", "1", "--no-progress", "--out", model.toString());
        assertEquals(0, training.code(), training.err());
    }

    @Test
    void theEnergysSymmetryIsTheDefaultWithTheHardConstraint() throws IOException {
        EquivariantHamiltonianFlow flow = (EquivariantHamiltonianFlow) ModelFile.loadModel(model);
        assertEquals(List.of("so2"), flow.config().symmetries());
        assertEquals(org.eqflow.core.FlowConfig.Constraint.HARD, flow.config().constraint());
        assertEquals(300, flow.iteration());
    }

    /** 300 updates: ESS above 0.6 with the default momenta, log Ẑ within 0.05 of the exact value, below 0.5 with one. */
    @Test
    void evalReportsEssAndTheNormaliser() throws IOException {
        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--energy", RING, "--samples", "4000");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        assertEquals(org.eqflow.core.eval.ReverseKlEvaluation.DEFAULT_INNER, json.get("inner_momenta").asInt());
        assertEquals(new RadialWell(2, 2, 0.3).logNormaliser().getAsDouble(), json.get("log_z_exact").asDouble(), 1e-12);
        assertTrue(json.get("ess").asDouble() > 0.6, ev.out());
        assertEquals(0, json.get("log_z_error").asDouble(), 0.05, ev.out());
        assertTrue(json.get("reverse_kl").asDouble() > -3 * json.get("bound_stderr").asDouble(), "a KL is not negative: " + ev.out());
        CliTest.Run joint = CliTest.run("eval", "--model", model.toString(), "--energy", RING, "--samples", "4000", "--inner-momenta", "1");
        JsonNode j = new ObjectMapper().readTree(joint.out());
        assertTrue(j.get("ess").asDouble() < json.get("ess").asDouble() && j.get("bound").asDouble() > json.get("bound").asDouble(),
                "the joint weights carry the encoder's gap: " + joint.out());
    }

    /** The weights' mean estimates Z: within 5 standard errors of the exact normaliser. */
    @Test
    void reweightedSamplesEstimateTheNormaliser() throws IOException {
        Path out = dir.resolve("s.csv");
        CliTest.Run s = CliTest.run("sample", "--model", model.toString(), "-n", "3000", "--reweight", RING, "--inner-momenta", "8",
                "--out", out.toString());
        assertEquals(0, s.code(), s.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("x0,x1,log_weight", lines.get(0));
        double[] w = lines.subList(1, lines.size()).stream().mapToDouble(l -> Math.exp(Double.parseDouble(l.split(",")[2]))).toArray();
        double mean = java.util.Arrays.stream(w).average().orElseThrow();
        double sd = Math.sqrt(java.util.Arrays.stream(w).map(v -> (v - mean) * (v - mean)).sum() / (w.length - 1));
        double z = Math.exp(new RadialWell(2, 2, 0.3).logNormaliser().getAsDouble());
        assertEquals(z, mean, 5 * sd / Math.sqrt(w.length), "mean weight against Z");
    }

    @Test
    void mistakesAreRefusedInOneLine() {
        String[][] cases = {
            {"train", "--energy", "gauss", "--out", dir.resolve("a.zip").toString()},
            {"train", "--energy", "ring", "--validation", "v.csv", "--out", dir.resolve("b.zip").toString()},
            {"train", "--energy", "ring", "--objective", "likelihood", "--out", dir.resolve("c.zip").toString()},
            {"train", "--energy", "ring", "--data", "x.csv", "--out", dir.resolve("d.zip").toString()},
            {"train", "--energy", "ring", "--symmetry", "so3", "--out", dir.resolve("e.zip").toString()},
            {"eval", "--model", model.toString(), "--energy", "shell:3,2,0.2"},
            {"eval", "--model", model.toString(), "--energy", RING, "--data", "x.csv"},
            {"eval", "--model", model.toString(), "--energy", RING, "--inner-momenta", "0"},
            {"sample", "--model", model.toString(), "-n", "5", "--reweight", "dw4", "--out", "-"},
            {"sample", "--model", model.toString(), "-n", "5", "--inner-momenta", "4", "--out", "-"},
            {"train", "--energy", "ring", "--group", "c8", "--out", dir.resolve("f.zip").toString()},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run(c);
            assertNotEquals(0, r.code(), String.join(" ", c));
            String err = r.err().strip();
            assertTrue(!err.isEmpty() && err.lines().filter(l -> !l.startsWith("INFO")).count() <= 2, String.join(" ", c) + ":\n" + err);
        }
        assertTrue(CliTest.run(cases[0]).err().contains("unknown energy 'gauss'"));
        assertTrue(CliTest.run(cases[1]).err().contains("--validation does not apply to training from an energy"));
        assertTrue(CliTest.run(cases[5]).err().contains("dimension"));
        assertTrue(CliTest.run(cases[10]).err().contains("--group is an option of the finite flows"));
    }
}
