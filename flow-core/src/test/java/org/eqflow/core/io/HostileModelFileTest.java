package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState.NamedArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The red-team's model files, one by one: each is refused with a one-line message naming the cause. */
class HostileModelFileTest {
    @TempDir
    Path dir;
    private Map<String, byte[]> entries;

    @BeforeEach
    void saveAModel() throws IOException {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).symmetry("so2")
                .constraint(FlowConfig.Constraint.SOFT).seed(3).build());  // soft: a class: spec may replace its symmetry
        Path good = dir.resolve("good.zip");
        ModelFile.save(m, good, false);
        entries = ModelZips.entries(Files.readAllBytes(good));
    }

    private Path write(String name, Map<String, byte[]> e) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, ModelZips.reseal(e));
        return f;
    }

    private Path withConfig(String name, String field, Object value) throws IOException {
        return write(name, ModelZips.withConfig(entries, field, value));
    }

    private static String refused(Path f, LoadOptions options) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f, options));
        assertTrue(e.getMessage().startsWith(f.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aClassNamedInAFileIsNeverLoadedUnlessAllowedAndNeverConstructedUnlessAGenerator() throws IOException {
        Path socket = withConfig("socket.zip", "symmetries", java.util.List.of("class:java.net.ServerSocket"));
        String m = refused(socket, LoadOptions.defaults());
        assertTrue(m.contains("--allow-class java.net.ServerSocket"), m);
        assertTrue(refused(socket, LoadOptions.allowClasses("java.net")).contains("implements neither"));

        Path canary = withConfig("canary.zip", "symmetries", java.util.List.of("class:" + Canary.class.getName()));
        assertTrue(refused(canary, LoadOptions.defaults()).contains("--allow-class"));
        assertTrue(refused(canary, LoadOptions.allowClasses("org.eqflow.core.io")).contains("implements neither"));
        assertTrue(refused(canary, LoadOptions.allowClasses("org.eqflow.core.i")).contains("--allow-class"),
                "a prefix allows whole names only");
        assertNull(System.getProperty(Canary.INITIALISED), "the static initialiser ran");
        assertNull(System.getProperty(Canary.CONSTRUCTED), "the constructor ran");
    }

    /** The same for a potential energy class: allow-listed, and type-checked before initialisation. */
    @Test
    void aPotentialEnergyClassIsNeverLoadedUnlessAllowedAndNeverConstructedUnlessAnEnergy() throws IOException {
        Path canary = withConfig("canary-energy.zip", "potential", "class:" + Canary.class.getName());
        String m = refused(canary, LoadOptions.defaults());
        assertTrue(m.contains("its potential energy names the class") && m.contains("--allow-class"), m);
        assertTrue(refused(canary, LoadOptions.allowClasses("org.eqflow.core.io")).contains("does not implement"));
        assertTrue(refused(withConfig("bad-energy.zip", "potential", "class:a b"), LoadOptions.defaults())
                .contains("not a Java class name"));
        assertNull(System.getProperty(Canary.INITIALISED), "the static initialiser ran");
        assertNull(System.getProperty(Canary.CONSTRUCTED), "the constructor ran");
    }

    @Test
    void sizesAreCheckedArithmeticallyBeforeAnythingLarge() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(refused(withConfig("h10000.zip", "hidden", 10_000), LoadOptions.defaults()).contains("hidden size must be in 1..4096"));
        long a0 = threads.getCurrentThreadAllocatedBytes();
        String m = refused(withConfig("h4096.zip", "hidden", 4096), LoadOptions.defaults());
        assertTrue(m.contains("parameters.bin holds") && m.contains("configuration implies"), m);
        long allocated = threads.getCurrentThreadAllocatedBytes() - a0;
        assertTrue(allocated < 64L << 20, "a hidden width of 4096 allocated " + allocated + " bytes before refusal");
        assertTrue(refused(withConfig("so.zip", "dimension", 3), LoadOptions.defaults()).contains("configuration is invalid"));
    }

    @Test
    void nonFiniteWeightsOptimiserStateAndLearningRatesAreRefused() throws IOException {
        for (String entry : new String[] {"parameters.bin", "optimizer.bin"}) {
            Map<String, NamedArray> arrays = new LinkedHashMap<>(ArrayCodec.decode(entries.get(entry), entry));
            String first = arrays.keySet().iterator().next();
            double[] v = arrays.get(first).data().clone();
            v[0] = Double.NaN;
            arrays.put(first, new NamedArray(arrays.get(first).shape(), v));
            Map<String, byte[]> e = new LinkedHashMap<>(entries);
            e.put(entry, ArrayCodec.encode(arrays));
            assertTrue(refused(write(entry + ".zip", e), LoadOptions.defaults()).contains("holds NaN"));
        }
        for (Object lr : new Object[] {"NaN", "Infinity", -1.0, 0.0}) {
            ObjectNode s = (ObjectNode) ModelZips.JSON.readTree(entries.get("state.json"));
            s.set("learningRate", ModelZips.JSON.valueToTree(lr));
            Map<String, byte[]> e = new LinkedHashMap<>(entries);
            e.put("state.json", ModelZips.JSON.writeValueAsBytes(s));
            assertTrue(refused(write("lr.zip", e), LoadOptions.defaults()).contains("invalid training state"), "lr " + lr);
        }
    }

    @Test
    void bombsAreNotInflated() throws IOException {
        byte[] zeros = new byte[256 << 20];
        Map<String, byte[]> e = new LinkedHashMap<>(entries);
        e.put("payload.bin", zeros);
        Path unlisted = dir.resolve("unlisted.zip");
        Files.write(unlisted, ModelZips.zip(e));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long a0 = threads.getCurrentThreadAllocatedBytes();
        assertEquals(2, ModelFile.load(unlisted).config().dimension(), "an unlisted entry is skipped");
        Path listed = write("listed.zip", e);
        assertTrue(refused(listed, LoadOptions.defaults()).contains("more than the"));
        long allocated = threads.getCurrentThreadAllocatedBytes() - a0;
        assertTrue(allocated < 64L << 20, "256 MB of bombs allocated " + allocated + " bytes");
    }

    @Test
    void directoriesAndNonRegularFilesAreNamed() throws IOException {
        assertTrue(refused(dir, LoadOptions.defaults()).contains("is a directory"));
        Path fifo = dir.resolve("fifo");
        try {
            new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Files.exists(fifo)) {
            assertTrue(refused(fifo, LoadOptions.defaults()).contains("not a regular file"));
        }
    }
}
