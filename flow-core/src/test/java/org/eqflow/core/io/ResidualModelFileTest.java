package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eqflow.core.TestSupport;
import org.eqflow.core.finite.CouplingFlow;
import org.eqflow.core.finite.FiniteFlowConfig;
import org.eqflow.core.finite.ResidualFlow;
import org.eqflow.core.model.TrainableModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The finite flows' model files: exact round trips of a residual and a coupling flow, and hostile variants refused
 * with one-line reasons.
 */
class ResidualModelFileTest {
    @TempDir
    Path dir;
    private ResidualFlow flow;
    private Path good;
    private Map<String, byte[]> entries;

    @BeforeEach
    void saveATrainedFlow() throws IOException {
        flow = ResidualFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.RESIDUAL, 2).group("d4").blocks(2).hidden(8)
                .seed(5).build());
        INDArray batch = TestSupport.gaussian(1, 64, 2, 2.0).castTo(flow.dataType());
        for (int i = 0; i < 5; i++) {
            flow.trainStep(batch);
        }
        good = dir.resolve("residual.zip");
        ModelFile.save(flow, good, false);
        entries = ModelZips.entries(Files.readAllBytes(good));
    }

    @Test
    void roundTripContinuesExactly() throws IOException {
        TrainableModel loaded = ModelFile.loadModel(good);
        assertEquals("residual", loaded.family());
        ResidualFlow again = (ResidualFlow) loaded;
        assertEquals(flow.config(), again.config());
        assertEquals(flow.iteration(), again.iteration());
        INDArray x = TestSupport.gaussian(2, 20, 2, 1.5).castTo(flow.dataType());
        assertArrayEquals(flow.exactLogDensity(x), again.exactLogDensity(x));
        INDArray batch = TestSupport.gaussian(3, 64, 2, 2.0).castTo(flow.dataType());
        flow.trainStep(batch);
        again.trainStep(batch);
        assertArrayEquals(flow.exactLogDensity(x), again.exactLogDensity(x), "the next update is the same");
    }

    @Test
    void aCouplingFlowRoundTripsAndItsFamilyMustMatchItsConfiguration() throws IOException {
        CouplingFlow coupling = CouplingFlow.create(FiniteFlowConfig.builder(FiniteFlowConfig.Kind.COUPLING, 4).blocks(2).hidden(8)
                .seed(5).build());
        INDArray batch = TestSupport.gaussian(1, 64, 4, 2.0).castTo(coupling.dataType());
        for (int i = 0; i < 3; i++) {
            coupling.trainStep(batch);
        }
        Path file = dir.resolve("coupling.zip");
        ModelFile.save(coupling, file, false);
        CouplingFlow again = (CouplingFlow) ModelFile.loadModel(file);
        assertEquals(coupling.config(), again.config());
        INDArray x = TestSupport.gaussian(2, 20, 4, 1.5).castTo(coupling.dataType());
        assertArrayEquals(coupling.exactLogDensity(x), again.exactLogDensity(x));
        coupling.trainStep(batch);
        again.trainStep(batch);
        assertArrayEquals(coupling.exactLogDensity(x), again.exactLogDensity(x), "the next update is the same");

        Map<String, byte[]> e = new LinkedHashMap<>(entries);
        ObjectNode manifest = (ObjectNode) ModelZips.JSON.readTree(e.get("manifest.json"));
        manifest.put("family", "coupling");
        e.put("manifest.json", ModelZips.JSON.writeValueAsBytes(manifest));
        assertTrue(refused(write("mismatch.zip", e)).contains("the manifest says family 'coupling' but config.json describes a residual"));
        Map<String, byte[]> c = ModelZips.entries(Files.readAllBytes(file));
        assertTrue(refused(write("group.zip", ModelZips.withConfig(c, "group", "perm:2x2"))).contains("--flow residual"));
        assertTrue(refused(write("odd.zip", ModelZips.withConfig(c, "dimension", 5))).contains("even dimension"));
        assertTrue(refused(write("sym.zip", ModelZips.withConfig(c, "symmetrize", "so2"))).contains("symmetrize: "));
        assertTrue(refused(write("big.zip", ModelZips.withConfig(c, "symmetrize", "perm:7x1*perm:7x1"))).contains("configuration is invalid"));
    }

    @Test
    void theHamiltonianLoaderNamesTheFamily() {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(good));
        assertTrue(e.getMessage().contains("holds a residual flow") && e.getMessage().contains("loadModel"), e.getMessage());
    }

    @Test
    void hostileConfigurationsAreRefusedBeforeAnyArrayIsRead() throws IOException {
        assertTrue(refused(withConfig("group.zip", "group", "c100000*c100000")).contains("configuration is invalid"));
        assertTrue(refused(withConfig("so2.zip", "group", "so2")).contains("so2 is continuous"));
        assertTrue(refused(withConfig("blocks.zip", "blocks", 200)).contains("parameters.bin holds"));
        assertTrue(refused(withConfig("lip.zip", "lipschitz", 1.5)).contains("must lie in (0, 1)"));
        assertTrue(refused(withConfig("dim.zip", "dimension", 3)).contains("configuration is invalid"));
        Map<String, byte[]> e = new LinkedHashMap<>(entries);
        ObjectNode manifest = (ObjectNode) ModelZips.JSON.readTree(e.get("manifest.json"));
        manifest.put("family", "java.lang.Runtime");
        e.put("manifest.json", ModelZips.JSON.writeValueAsBytes(manifest));
        assertTrue(refused(write("family.zip", e)).contains("family 'java.lang.Runtime'"));
        Map<String, byte[]> noSpectral = new LinkedHashMap<>(entries);
        noSpectral.remove("spectral.bin");
        assertTrue(refused(write("nospectral.zip", noSpectral)).contains("spectral.bin is missing"));
    }

    private Path withConfig(String name, String field, Object value) throws IOException {
        return write(name, ModelZips.withConfig(entries, field, value));
    }

    private Path write(String name, Map<String, byte[]> e) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, ModelZips.reseal(e));
        return f;
    }

    private static String refused(Path f) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.loadModel(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }
}
