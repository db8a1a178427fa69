package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.train.HaarData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The SU(n) flow's model files: an exact round trip that continues training identically, and hostile variants refused. */
class SpectralModelFileTest {
    @TempDir
    Path dir;
    private SpectralFlow flow;
    private Path good;
    private Map<String, byte[]> entries;

    @BeforeEach
    void saveATrainedFlow() throws IOException {
        flow = SpectralFlow.create(new SpectralFlow.Config(3, 8, 3, 5, 3e-3, "su3:boyda2"));
        HaarData haar = new HaarData(3, 5);
        for (int i = 0; i < 3; i++) {
            flow.trainStep(haar.batch(i, 32));
        }
        good = dir.resolve("su3.zip");
        ModelFile.save(flow, good, false);
        entries = ModelZips.entries(Files.readAllBytes(good));
    }

    @Test
    void roundTripContinuesExactly() throws IOException {
        SpectralFlow again = (SpectralFlow) ModelFile.loadModel(good);
        assertEquals("spectral", again.family());
        assertEquals(flow.config(), again.config());
        assertEquals(flow.iteration(), again.iteration());
        INDArray x = flow.sample(10, 7);
        assertArrayEquals(flow.elbo(x, 0), again.elbo(x, 0));
        INDArray batch = new HaarData(3, 9).batch(0, 32);
        flow.trainStep(batch);
        again.trainStep(batch);
        assertArrayEquals(flow.elbo(x, 0), again.elbo(x, 0), "the next update is the same");
    }

    @Test
    void hostileConfigurationsAreRefusedBeforeAnyArrayIsRead() throws IOException {
        assertTrue(refused(withConfig("n.zip", "n", 9)).contains("2 <= n <= 4"));
        assertTrue(refused(withConfig("hidden.zip", "hidden", 4096)).contains("parameters.bin holds"));
        assertTrue(refused(withConfig("target.zip", "target", "su2:boyda1")).contains("on SU(2)"));
        assertTrue(refused(withConfig("spec.zip", "target", "class:java.lang.Runtime")).contains("configuration is invalid"));
        assertTrue(refused(withConfig("lr.zip", "learningRate", -1)).contains("learning rate"));
        assertTrue(refused(withConfig("extra.zip", "shell", "rm -rf")).contains("configuration is invalid"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(good));
        assertTrue(e.getMessage().contains("holds a spectral flow"), e.getMessage());
    }

    private Path withConfig(String name, String field, Object value) throws IOException {
        return ModelZips.fileWithConfig(dir, name, entries, field, value);
    }

    private static String refused(Path f) {
        return ModelZips.refused(f);
    }
}
