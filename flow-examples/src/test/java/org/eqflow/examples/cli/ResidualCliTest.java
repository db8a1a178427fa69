package org.eqflow.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eqflow train --flow residual --group …} and the commands that read its model, as a user runs them. */
class ResidualCliTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void trainTinyResidualFlow() {
        model = dir.resolve("eight.zip");
        CliTest.Run r = CliTest.run("train", "--target", "8gaussians", "--flow", "residual", "--group", "c8", "--blocks", "2",
                "--hidden", "8", "--iterations", "20", "--batch", "64", "--seed", "2", "--no-progress", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(model));
    }

    @Test
    void sampleLogprobAndEvalWorkOnAResidualModel() throws IOException {
        Path samples = dir.resolve("samples.csv");
        assertEquals(0, CliTest.run("sample", "--model", model.toString(), "-n", "30", "--seed", "4", "--out", samples.toString()).code());
        CliTest.Run lp = CliTest.run("logprob", "--model", model.toString(), "--data", samples.toString(), "--with-error");
        assertEquals(0, lp.code(), lp.err());
        String[] rows = lp.out().strip().split("\n");
        assertEquals(30, rows.length);
        assertEquals(0.0, Double.parseDouble(rows[0].split(",")[1]), "an exact log-density has no Monte Carlo error");
        CliTest.Run ev = CliTest.run("eval", "--model", model.toString(), "--data", samples.toString(), "--target", "8gaussians");
        assertEquals(0, ev.code(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        assertTrue(json.get("exact").asBoolean());
        assertEquals("c8", json.get("invariance_group").asText());
        assertTrue(json.get("invariance_error").asDouble() < 1e-4, "invariant by construction: " + json.get("invariance_error"));
        assertTrue(json.has("gap"));
        CliTest.Run wrong = CliTest.run("eval", "--model", model.toString(), "--data", samples.toString(), "--group", "so2");
        assertEquals(0, wrong.code(), wrong.err());
        JsonNode so2 = new ObjectMapper().readTree(wrong.out());
        assertEquals("so2", so2.get("invariance_group").asText());
    }

    /**
     * A run stopped at a checkpoint and resumed ends where an uninterrupted run ends; the resume names neither the
     * family nor the batch, and takes the checkpoint family's default batch.
     */
    @Test
    void aResumedRunEqualsAnUninterruptedOne() throws IOException {
        Path data = dir.resolve("resume-data.csv");
        assertEquals(0, CliTest.run("data", "--target", "8gaussians", "-n", "300", "--seed", "5", "--out", data.toString()).code());
        String[] common = {"train", "--data", data.toString(), "--flow", "residual", "--group", "c4", "--blocks", "2", "--hidden", "8",
            "--seed", "3", "--lr-schedule", "constant", "--no-progress"};
        Path whole = dir.resolve("whole.zip");
        assertEquals(0, CliTest.run(concat(common, "--iterations", "10", "--out", whole.toString())).code());
        Path ckpt = dir.resolve("ckpt");
        Path part = dir.resolve("part.zip");
        assertEquals(0, CliTest.run(concat(common, "--iterations", "6", "--checkpoint-every", "3", "--checkpoint-dir", ckpt.toString(),
                "--out", part.toString())).code());
        CliTest.Run resumed = CliTest.run("train", "--data", data.toString(), "--iterations", "10", "--resume", ckpt.toString(),
                "--lr-schedule", "constant", "--no-progress", "--out", part.toString());
        assertEquals(0, resumed.code(), resumed.err());
        CliTest.Run a = CliTest.run("logprob", "--model", whole.toString(), "--data", data.toString());
        CliTest.Run b = CliTest.run("logprob", "--model", part.toString(), "--data", data.toString());
        assertEquals(a.out(), b.out(), "the resumed run continues exactly (weights, Adam moments, spectral vectors, schedule)");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void theFlagsOfTheOtherFamilyAreRefusedWithTheFix() {
        CliTest.Run symmetry = CliTest.run("train", "--target", "ring", "--flow", "residual", "--symmetry", "so2", "--iterations", "1",
                "--out", dir.resolve("x.zip").toString());
        assertEquals(2, symmetry.code());
        assertTrue(symmetry.err().contains("--symmetry configures the Hamiltonian flow, not the residual flow (its symmetry is --group)"),
                symmetry.err());
        CliTest.Run group = CliTest.run("train", "--target", "ring", "--group", "c8", "--iterations", "1",
                "--out", dir.resolve("y.zip").toString());
        assertEquals(2, group.code());
        assertTrue(group.err().contains("--group configures the residual flow: add --flow residual"), group.err());
        CliTest.Run continuous = CliTest.run("train", "--target", "ring", "--flow", "residual", "--group", "so2", "--iterations", "1",
                "--out", dir.resolve("z.zip").toString());
        assertEquals(1, continuous.code());
        assertTrue(continuous.err().contains("so2 is continuous"), continuous.err());
        assertEquals(1, Arrays.stream(continuous.err().strip().split("\n")).count(), continuous.err());
        CliTest.Run family = CliTest.run("train", "--target", "ring", "--flow", "glow", "--iterations", "1",
                "--out", dir.resolve("w.zip").toString());
        assertTrue(family.err().contains("'glow' is not a flow family; use hamiltonian, residual or coupling"), family.err());
    }
}
