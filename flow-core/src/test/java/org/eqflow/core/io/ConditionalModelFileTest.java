package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model file whose context does not fit its weights, or whose context scaling is not a number, is refused in one line. */
class ConditionalModelFileTest {
    @TempDir
    Path dir;

    @Test
    void aContextThatDoesNotFitIsRefused() throws Exception {
        Path good = dir.resolve("good.zip");
        ModelFile.save(EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").hidden(4).contextSize(1).build()), good, false);
        Map<String, byte[]> entries = ModelZips.entries(Files.readAllBytes(good));
        String more = ModelZips.refused(ModelZips.fileWithConfig(dir, "k2.zip", entries, "contextSize", 2));
        assertTrue(more.contains("context") || more.contains("V1"), more);
        String none = ModelZips.refused(ModelZips.fileWithConfig(dir, "k0.zip", entries, "contextSize", 0));
        assertTrue(none.contains("V1") || none.contains("context"), none);
        String scale = ModelZips.refused(ModelZips.fileWithConfig(dir, "scale.zip", entries, "contextScale", List.of(-1.0)));
        assertTrue(scale.contains("context scales must be > 0"), scale);
        String width = ModelZips.refused(ModelZips.fileWithConfig(dir, "centre.zip", entries, "contextCentre", List.of(0.0, 1.0)));
        assertTrue(width.contains("need 1 values each"), width);
    }
}
