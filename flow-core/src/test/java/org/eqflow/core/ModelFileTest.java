package org.eqflow.core;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.ModelFileException;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.objective.Iwae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save/load round trips, exact continuation of training, and refusal of damaged files. */
class ModelFileTest {
    @TempDir
    Path dir;

    private static EquivariantHamiltonianFlow trained(FlowConfig.Precision precision) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(16).symmetry("so2")
                .precision(precision).centre(java.util.List.of(0.5, -0.25)).scale(1.7).seed(4).build());
        INDArray x = TestSupport.gaussian(1, 32, 2, 2.0);
        for (int i = 0; i < 3; i++) {
            m.trainStep(x);
        }
        return m;
    }

    @Test
    void roundTripGivesIdenticalOutputsAndIdenticalTraining() throws IOException {
        for (FlowConfig.Precision precision : FlowConfig.Precision.values()) {
            EquivariantHamiltonianFlow a = trained(precision);
            Path file = dir.resolve("model-" + precision + ".zip");
            ModelFile.save(a, file, false);
            EquivariantHamiltonianFlow b = ModelFile.load(file);
            assertEquals(a.config(), b.config());
            assertEquals(a.iteration(), b.iteration());
            assertArrayEquals(a.multipliers(), b.multipliers(), 0.0);
            INDArray x = TestSupport.gaussian(9, 20, 2, 2.0);
            assertArrayEquals(values(a.logDensity(x, 8, 1)), values(b.logDensity(x, 8, 1)), 0.0);
            assertEquals(a.sample(16, 3), b.sample(16, 3));
            INDArray batch = TestSupport.gaussian(2, 32, 2, 2.0);
            for (int i = 0; i < 3; i++) {
                TrainStep sa = a.trainStep(batch);
                TrainStep sb = b.trainStep(batch);
                assertEquals(sa.loss(), sb.loss(), 0.0, "loss after resuming, step " + i);
            }
            for (String name : a.parameterNames()) {
                assertEquals(a.graph().getVariable(name).getArr(), b.graph().getVariable(name).getArr(), name);
            }
            assertArrayEquals(a.multipliers(), b.multipliers(), 0.0);
        }
    }

    @Test
    void refusesToOverwriteUnlessAsked() throws IOException {
        EquivariantHamiltonianFlow a = trained(FlowConfig.Precision.FLOAT32);
        Path file = dir.resolve("m.zip");
        ModelFile.save(a, file, false);
        byte[] before = Files.readAllBytes(file);
        assertThrows(FileAlreadyExistsException.class, () -> ModelFile.save(a, file, false));
        assertArrayEquals(before, Files.readAllBytes(file));
        ModelFile.save(a, file, true);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void damagedFilesGiveClearErrors() throws IOException {
        EquivariantHamiltonianFlow a = trained(FlowConfig.Precision.FLOAT32);
        Path file = dir.resolve("m.zip");
        ModelFile.save(a, file, false);
        byte[] good = Files.readAllBytes(file);

        assertThrows(NoSuchFileException.class, () -> ModelFile.load(dir.resolve("missing.zip")));

        Path empty = dir.resolve("empty.zip");
        Files.write(empty, new byte[0]);
        assertTrue(assertThrows(ModelFileException.class, () -> ModelFile.load(empty)).getMessage().contains("not an eqflow model"));

        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        ModelFileException t = assertThrows(ModelFileException.class, () -> ModelFile.load(truncated));
        assertTrue(t.getMessage().contains(truncated.toString()), t.getMessage());

        for (int offset : new int[] {good.length / 3, good.length / 2, 2 * good.length / 3}) {
            byte[] bad = good.clone();
            bad[offset] ^= 0x5A;
            Path corrupted = dir.resolve("corrupted" + offset + ".zip");
            Files.write(corrupted, bad);
            assertThrows(ModelFileException.class, () -> ModelFile.load(corrupted), "flipped byte at " + offset);
        }
    }

    private static double[] values(Iwae.Estimate[] e) {
        return Arrays.stream(e).mapToDouble(Iwae.Estimate::logDensity).toArray();
    }
}
