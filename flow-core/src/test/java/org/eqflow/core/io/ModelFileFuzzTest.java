package org.eqflow.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState.NamedArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 seeded hostile model files: random bytes, damaged zips, bit flips, truncations, configurations
 * and training states resealed with extreme or hostile values (classes that must not load, sizes that
 * would allocate gigabytes), weights resealed with non-finite values or other shapes, lying manifests
 * and zip bombs. Each must load or end in one one-line {@link ModelFileException}, using under 2 s of CPU
 * and allocating under 512 MB, and no class outside the allow-list may be initialised or constructed.
 *
 * <p>CPU time and the thread's allocation counter (heap bytes allocated, garbage included: an upper
 * bound on what was live) are measured per file, not wall-clock, so a busy machine does not fail it.
 */
class ModelFileFuzzTest {
    private static final int CASES = 10_000;
    private static final long MAX_ALLOCATED = 512L << 20;
    private static final long MAX_CPU_NANOS = 2_000_000_000L;
    private static final JsonNodeFactory N = JsonNodeFactory.instance;

    @TempDir
    Path dir;

    @Test
    void tenThousandHostileFilesEndCleanly() throws IOException {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).symmetry("so2").seed(1).build());
        Path goodFile = dir.resolve("good.zip");
        ModelFile.save(m, goodFile, false);
        byte[] valid = Files.readAllBytes(goodFile);
        Map<String, byte[]> entries = ModelZips.entries(valid);
        List<byte[]> bombs = bombs(entries);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rng = new SplittableRandom(20261201);
        int[] outcomes = new int[2];
        long worstAllocated = 0;
        long worstCpu = 0;
        Map<Integer, Integer> perKind = new java.util.TreeMap<>();
        for (int c = 0; c < CASES; c++) {
            int kind = c % 10;
            byte[] data = mutate(kind, rng, valid, entries, bombs);
            Path f = dir.resolve("fuzz" + c + ".zip");
            Files.write(f, data);
            long a0 = threads.getCurrentThreadAllocatedBytes();
            long t0 = threads.getCurrentThreadCpuTime();
            try {
                ModelFile.load(f);
                outcomes[0]++;
            } catch (ModelFileException e) {
                outcomes[1]++;
                perKind.merge(kind, 1, Integer::sum);
                String msg = e.getMessage();
                assertTrue(msg != null && !msg.isBlank() && !msg.contains("\n") && msg.contains(f.toString()),
                        "case " + c + " (kind " + kind + "): " + msg);
            } catch (Throwable t) {
                fail("case " + c + " (kind " + kind + ") ended in " + t, t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - a0;
            long cpu = threads.getCurrentThreadCpuTime() - t0;
            worstAllocated = Math.max(worstAllocated, allocated);
            worstCpu = Math.max(worstCpu, cpu);
            assertTrue(allocated < MAX_ALLOCATED, "case " + c + " (kind " + kind + ") allocated " + allocated + " bytes");
            assertTrue(cpu < MAX_CPU_NANOS, "case " + c + " (kind " + kind + ") took " + cpu / 1e6 + " ms of CPU");
            Files.delete(f);
        }
        assertNull(System.getProperty(Canary.INITIALISED), "a class named by a model file was initialised");
        assertNull(System.getProperty(Canary.CONSTRUCTED), "a class named by a model file was constructed");
        assertEquals(CASES, outcomes[0] + outcomes[1]);
        System.out.printf("model-file fuzz: %d files, %d loaded, %d refused (by kind %s); worst %.1f MB allocated, %.0f ms CPU%n",
                CASES, outcomes[0], outcomes[1], perKind, worstAllocated / 1048576.0, worstCpu / 1e6);
    }

    static byte[] mutate(int kind, SplittableRandom rng, byte[] valid, Map<String, byte[]> entries, List<byte[]> bombs)
            throws IOException {
        return switch (kind) {
            case 0 -> rng.nextBoolean() ? bytes(rng, rng.nextInt(4000)) : pkHeader(bytes(rng, 30 + rng.nextInt(4000)));
            case 1 -> flip(rng, valid.clone(), 1 + rng.nextInt(8));
            case 2 -> flip(rng, Arrays.copyOf(valid, rng.nextInt(valid.length)), rng.nextInt(3));
            case 3, 4 -> ModelZips.reseal(with(entries, "config.json", hostileJson(rng, entries.get("config.json"), CONFIG_VALUES)));
            case 5 -> ModelZips.reseal(with(entries, "state.json", hostileJson(rng, entries.get("state.json"), STATE_VALUES)));
            case 6 -> ModelZips.reseal(with(entries, rng.nextBoolean() ? "parameters.bin" : "optimizer.bin",
                    hostileArrays(rng, entries.get(rng.nextBoolean() ? "parameters.bin" : "optimizer.bin"))));
            case 7 -> bombs.get(rng.nextInt(bombs.size()));
            case 8 -> lyingManifest(rng, entries);
            default -> {
                // a resealed file whose config and weights are both altered, consistently or not
                Map<String, byte[]> e = with(entries, "config.json", hostileJson(rng, entries.get("config.json"), CONFIG_VALUES));
                yield ModelZips.reseal(with(e, "parameters.bin", hostileArrays(rng, entries.get("parameters.bin"))));
            }
        };
    }

    private static final List<JsonNode> CONFIG_VALUES = List.of(
            N.numberNode(-1), N.numberNode(0), N.numberNode(1), N.numberNode(3), N.numberNode(5), N.numberNode(4097),
            N.numberNode(10_000), N.numberNode(31337), N.numberNode(Integer.MAX_VALUE), N.numberNode(Long.MAX_VALUE),
            N.numberNode(-1.0), N.numberNode(1e-300), N.numberNode(1e300), N.textNode("NaN"), N.textNode("Infinity"),
            N.textNode(""), N.textNode("FLOAT64"), N.textNode("HARD"), N.textNode("QUADRATIC"), N.textNode("BASE_AND_FLOW"),
            N.textNode("soft-uniform:1e308,1e308"), N.textNode("soft-uniform:0,0"), N.textNode("x".repeat(100_000)),
            N.nullNode(), N.objectNode(), N.booleanNode(true),
            specs("class:java.net.ServerSocket"), specs("class:org.eqflow.core.io.Canary"),
            specs("class:org.eqflow.core.io.Canary:1"), specs("so100000"), specs("so4096"), specs("so2:0,1", "so2:0,1"),
            specs("so64:" + range(64)), specs("linear:a:1,0;0,1"), specs("linear:a:1e308,0;0,NaN"), specs("none"),
            specs("x".repeat(70_000)), N.arrayNode(), zerosArray(100_000));

    private static final List<JsonNode> STATE_VALUES = List.of(
            N.numberNode(-1), N.numberNode(0), N.numberNode(Long.MAX_VALUE), N.numberNode(1e300), N.numberNode(-1e-3),
            N.textNode("NaN"), N.textNode("-Infinity"), N.nullNode(), N.objectNode(), N.arrayNode(),
            doubles(1.0, 1.0), doubles(Double.NaN), doubles(-1.0), zerosArray(200_000), N.textNode("x"));

    private static JsonNode specs(String... s) {
        ArrayNode a = N.arrayNode();
        for (String x : s) {
            a.add(x);
        }
        return a;
    }

    private static JsonNode doubles(double... v) {
        ArrayNode a = N.arrayNode();
        for (double x : v) {
            a.add(Double.isNaN(x) ? N.textNode("NaN") : N.numberNode(x));
        }
        return a;
    }

    private static JsonNode zerosArray(int n) {
        ArrayNode a = N.arrayNode();
        for (int i = 0; i < n; i++) {
            a.add(0);
        }
        return a;
    }

    private static String range(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(i);
        }
        return b.toString();
    }

    /** One to three fields of a JSON entry set to hostile values, or removed, or renamed. */
    private static byte[] hostileJson(SplittableRandom rng, byte[] json, List<JsonNode> values) throws IOException {
        ObjectNode o = (ObjectNode) ModelZips.JSON.readTree(json);
        List<String> fields = new ArrayList<>();
        o.fieldNames().forEachRemaining(fields::add);
        for (int k = 0, n = 1 + rng.nextInt(3); k < n; k++) {
            String f = fields.get(rng.nextInt(fields.size()));
            switch (rng.nextInt(8)) {
                case 0 -> o.remove(f);
                case 1 -> o.set("unknown" + rng.nextInt(3), o.get(f));
                case 2 -> {
                    JsonNode v = o.get(f);
                    if (v != null && v.isInt()) {
                        o.put(f, v.asInt() + 1);
                    }
                }
                default -> o.set(f, values.get(rng.nextInt(values.size())));
            }
        }
        return ModelZips.JSON.writeValueAsBytes(o);
    }

    /** An array block with a value made non-finite or huge, a shape changed, an array dropped or renamed. */
    private static byte[] hostileArrays(SplittableRandom rng, byte[] block) throws IOException {
        Map<String, NamedArray> arrays = new LinkedHashMap<>(ArrayCodec.decode(block, "block"));
        List<String> names = new ArrayList<>(arrays.keySet());
        String name = names.get(rng.nextInt(names.size()));
        NamedArray a = arrays.get(name);
        switch (rng.nextInt(5)) {
            case 0 -> {
                double[] v = a.data().clone();
                double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e308};
                v[rng.nextInt(v.length)] = bad[rng.nextInt(bad.length)];
                arrays.put(name, new NamedArray(a.shape(), v));
            }
            case 1 -> {
                long[] shape = a.shape().clone();
                shape[shape.length - 1] += 1;
                arrays.put(name, new NamedArray(shape, new double[(int) (a.data().length / a.shape()[a.shape().length - 1] * shape[shape.length - 1])]));
            }
            case 2 -> arrays.remove(name);
            case 3 -> {
                arrays.remove(name);
                arrays.put(name + "x", a);
            }
            default -> arrays.put(name, new NamedArray(new long[] {a.data().length}, a.data()));
        }
        return ArrayCodec.encode(arrays);
    }

    /** Zip bombs and entry floods, built once (compressing 64 MB takes a while). */
    private static List<byte[]> bombs(Map<String, byte[]> entries) throws IOException {
        byte[] zeros = new byte[64 << 20];
        List<byte[]> bombs = new ArrayList<>();
        // an unlisted 64 MB entry of zeros (64 KB compressed): skipped, the model loads
        Map<String, byte[]> unlisted = new LinkedHashMap<>(entries);
        unlisted.put("payload.bin", zeros);
        bombs.add(ModelZips.zip(unlisted));
        // a listed 64 MB extra entry
        bombs.add(ModelZips.reseal(with(entries, "extra.bin", zeros)));
        // the manifest lists the true size, the entry holds 64 MB more
        Map<String, byte[]> padded = new LinkedHashMap<>(ModelZips.entries(ModelZips.reseal(entries)));
        byte[] params = entries.get("parameters.bin");
        padded.put("parameters.bin", Arrays.copyOf(params, params.length + zeros.length));
        bombs.add(ModelZips.zip(padded));
        // a 16 MB config.json, mostly spaces
        byte[] spaces = new byte[16 << 20];
        Arrays.fill(spaces, (byte) ' ');
        byte[] cfg = entries.get("config.json");
        System.arraycopy(cfg, 0, spaces, 0, cfg.length);
        bombs.add(ModelZips.reseal(with(entries, "config.json", spaces)));
        // thousands of entries, unlisted and listed
        Map<String, byte[]> flood = new LinkedHashMap<>(entries);
        for (int i = 0; i < 5000; i++) {
            flood.put("e" + i, new byte[0]);
        }
        bombs.add(ModelZips.zip(flood));
        bombs.add(ModelZips.reseal(flood));
        return bombs;
    }

    /** The manifest's sizes or checksums changed after sealing. */
    private static byte[] lyingManifest(SplittableRandom rng, Map<String, byte[]> entries) throws IOException {
        Map<String, byte[]> sealed = ModelZips.entries(ModelZips.reseal(entries));
        ObjectNode manifest = (ObjectNode) ModelZips.JSON.readTree(sealed.get("manifest.json"));
        ObjectNode listed = (ObjectNode) manifest.get("entries");
        List<String> names = new ArrayList<>();
        listed.fieldNames().forEachRemaining(names::add);
        ObjectNode e = (ObjectNode) listed.get(names.get(rng.nextInt(names.size())));
        switch (rng.nextInt(6)) {
            case 0 -> e.put("size", 1L << 40);
            case 1 -> e.put("size", -1);
            case 2 -> e.put("size", Integer.MAX_VALUE);
            case 3 -> e.remove("sha256");
            case 4 -> listed.putObject("ghost.bin").put("size", 10).put("sha256", "00");
            default -> manifest.put("formatVersion", rng.nextInt(5));
        }
        sealed.put("manifest.json", ModelZips.JSON.writeValueAsBytes(manifest));
        return ModelZips.zip(sealed);
    }

    private static Map<String, byte[]> with(Map<String, byte[]> entries, String name, byte[] data) {
        Map<String, byte[]> copy = new LinkedHashMap<>(entries);
        copy.put(name, data);
        return copy;
    }

    private static byte[] bytes(SplittableRandom rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextInt(256);
        }
        return b;
    }

    private static byte[] pkHeader(byte[] b) {
        b[0] = 'P';
        b[1] = 'K';
        b[2] = 3;
        b[3] = 4;
        return b;
    }

    private static byte[] flip(SplittableRandom rng, byte[] b, int count) {
        for (int k = 0; k < count && b.length > 0; k++) {
            b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
        }
        return b;
    }
}
