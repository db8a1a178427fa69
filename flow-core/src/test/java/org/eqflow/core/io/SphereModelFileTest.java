package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.manifold.SphereSymmetry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The sphere flow's model files: an exact round trip that continues training identically, and hostile variants refused. */
class SphereModelFileTest {
    @TempDir
    Path dir;
    private SphereFlow flow;
    private Path good;
    private Map<String, byte[]> entries;

    private static INDArray batch(long seed) {
        return Nd4j.create(SphereFlow.uniform(32, new SplittableRandom(seed))).castTo(DataType.DOUBLE);
    }

    @BeforeEach
    void saveATrainedFlow() throws IOException {
        flow = SphereFlow.create(new SphereFlow.Config(SphereSymmetry.AXIS_Z, 8, 3, 5, 3e-3));
        for (int i = 0; i < 3; i++) {
            flow.trainStep(batch(i));
        }
        good = dir.resolve("s2.zip");
        ModelFile.save(flow, good, false);
        entries = ModelZips.entries(Files.readAllBytes(good));
    }

    @Test
    void roundTripContinuesExactly() throws IOException {
        SphereFlow again = (SphereFlow) ModelFile.loadModel(good);
        assertEquals("sphere", again.family());
        assertEquals(flow.config(), again.config());
        assertEquals(flow.iteration(), again.iteration());
        INDArray x = flow.sample(10, 7);
        assertArrayEquals(flow.elbo(x, 0), again.elbo(x, 0));
        flow.trainStep(batch(9));
        again.trainStep(batch(9));
        assertArrayEquals(flow.elbo(x, 0), again.elbo(x, 0), "the next update is the same");
    }

    @Test
    void hostileConfigurationsAreRefusedBeforeAnyArrayIsRead() throws IOException {
        assertTrue(refused(withConfig("sym.zip", "symmetry", "NONE")).contains("parameters.bin holds"), "another shape of weights");
        assertTrue(refused(withConfig("cls.zip", "symmetry", "class:java.lang.Runtime")).contains("configuration is invalid"));
        assertTrue(refused(withConfig("null.zip", "symmetry", null)).contains("needs a symmetry"));
        assertTrue(refused(withConfig("hidden.zip", "hidden", 4096)).contains("parameters.bin holds"));
        assertTrue(refused(withConfig("steps.zip", "steps", 0)).contains("1 <= steps <= 1024"));
        assertTrue(refused(withConfig("lr.zip", "learningRate", -1)).contains("learning rate"));
        assertTrue(refused(withConfig("extra.zip", "shell", "rm -rf")).contains("configuration is invalid"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(good));
        assertTrue(e.getMessage().contains("holds a sphere flow"), e.getMessage());
    }

    private Path withConfig(String name, String field, Object value) throws IOException {
        return ModelZips.fileWithConfig(dir, name, entries, field, value);
    }

    private static String refused(Path f) {
        return ModelZips.refused(f);
    }
}
