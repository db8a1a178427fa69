package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.io.ModelFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eqflow train --flow coupling} on points in the plane and the commands that read its model, as a user runs them. */
class CouplingCliTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void trainTinyCouplingFlow() {
        data = dir.resolve("pairs.csv");
        CliTest.Run d = CliTest.run("data", "--target", "doublewell:2", "-n", "400", "--seed", "3", "--out", data.toString());
        assertEquals(0, d.code(), d.err());
        model = dir.resolve("pairs.zip");
        CliTest.Run r = CliTest.run("train", "--data", data.toString(), "--flow", "coupling", "--blocks", "2", "--hidden", "8",
                "--iterations", "20", "--batch", "64", "--seed", "2", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(model));
    }

    @Test
    void theModelFileHoldsACouplingFlowOfTheAskedSize() throws IOException {
        FiniteFlow flow = (FiniteFlow) ModelFile.loadModel(model);
        assertEquals("coupling", flow.family());
        assertEquals("o2", flow.config().group());
        assertEquals(2, flow.config().blocks());
        assertEquals(8, flow.config().hidden());
    }

    @Test
    void sampleLogprobAndEvalWorkOnACouplingModel() throws IOException {
        Path samples = dir.resolve("samples.csv");
        assertEquals(0, CliTest.run("sample", "--model", model.toString(), "-n", "30", "--seed", "4", "--out", samples.toString()).code());
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", samples.toString(), "--with-error");
        assertEquals(0, lp.code(), lp.err());
        assertEquals(30, lp.out().strip().split("\n").length);
        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--data", data.toString(), "--target", "doublewell:2");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        assertTrue(json.get("exact").asBoolean());
        assertEquals("o2", json.get("invariance_group").asText());
        assertTrue(json.get("invariance_error").asDouble() < 1e-4, "invariant by construction: " + json.get("invariance_error"));
        assertTrue(json.get("gap").asDouble() > -0.2, "a held-in gap cannot lie far below zero: " + json.get("gap"));
    }

    /** {@code --symmetrize perm:2x2}: the saved density is exactly invariant under swapping the two points too. */
    @Test
    void aSymmetrizedCouplingFlowIsInvariantUnderPermutations() throws IOException {
        Path swapped = dir.resolve("swapped.zip");
        CliTest.Run r = CliTest.run("train", "--data", data.toString(), "--flow", "coupling", "--symmetrize", "perm:2x2",
                "--blocks", "2", "--hidden", "8", "--iterations", "10", "--batch", "64", "--seed", "2", "--no-progress",
                "--out", swapped.toString());
        assertEquals(0, r.code(), r.err());
        CliTest.Run ev = CliTest.run("eval", "--model", swapped.toString(), "--data", data.toString(), "--group", "perm:2x2");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(new ObjectMapper().readTree(ev.out()).get("invariance_error").asDouble() < 1e-4, ev.out());
        CliTest.Run plain = CliTest.run("eval", "--model", model.toString(), "--data", data.toString(), "--group", "perm:2x2");
        assertTrue(new ObjectMapper().readTree(plain.out()).get("invariance_error").asDouble() > 1e-3,
                "without averaging the flow is not permutation-invariant: " + plain.out());
    }

    @Test
    void whatTheCouplingFlowCannotServeIsRefusedWithTheFix() {
        CliTest.Run plane = CliTest.run("train", "--target", "ring", "--flow", "coupling", "--iterations", "1",
                "--out", dir.resolve("x.zip").toString());
        assertEquals(1, plane.code());
        assertTrue(plane.err().contains("even dimension from 4"), plane.err());
        assertEquals(1, Arrays.stream(plane.err().strip().split("\n")).count(), plane.err());
        CliTest.Run lipschitz = CliTest.run("train", "--data", data.toString(), "--flow", "coupling", "--lipschitz", "0.9",
                "--iterations", "1", "--out", dir.resolve("y.zip").toString());
        assertEquals(2, lipschitz.code());
        assertTrue(lipschitz.err().contains("--lipschitz configures the residual flow, not the coupling flow"), lipschitz.err());
        CliTest.Run perm = CliTest.run("train", "--data", data.toString(), "--flow", "coupling", "--group", "perm:2x2",
                "--iterations", "1", "--out", dir.resolve("z.zip").toString());
        assertEquals(1, perm.code());
        assertTrue(perm.err().contains("use the residual flow (--flow residual) for perm:2x2"), perm.err());
    }
}
