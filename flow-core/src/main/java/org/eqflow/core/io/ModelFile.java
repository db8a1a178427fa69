package org.eqflow.core.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState;

/**
 * The one-file model format: a zip holding
 *
 * <ul>
 *   <li>{@code manifest.json}: format name and version, and the SHA-256 and size of every other entry;</li>
 *   <li>{@code config.json}: the {@link FlowConfig};</li>
 *   <li>{@code state.json}: iteration, learning rate, Lagrange multipliers and their moving averages, provenance;</li>
 *   <li>{@code parameters.bin}, {@code optimizer.bin}: weights and Adam moments ({@link ArrayCodec}).</li>
 * </ul>
 *
 * Loading checks sizes, checksums, the format version and every array shape before any value reaches
 * ND4J. Saving writes a temporary file beside the target and renames it, so a crash during a save never
 * destroys the previous file.
 */
public final class ModelFile {
    /** The format this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    private static final String FORMAT = "eqflow-model";
    private static final long MAX_ENTRY_BYTES = 1L << 30;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ModelFile() {
    }

    /** The saved training state beside the weights. */
    record SavedState(long iteration, double learningRate, int consecutiveSkips, double[] multipliers,
                      double[] multiplierAverages, Provenance provenance) {
    }

    /**
     * Saves atomically.
     *
     * @param overwrite replace an existing file; when false an existing file is an error
     */
    public static void save(EquivariantHamiltonianFlow model, Path path, boolean overwrite) throws IOException {
        save(model, path, overwrite, Map.of());
    }

    /**
     * Saves atomically, with extra named entries (for example a trainer's own state in a checkpoint),
     * covered by the manifest's checksums like the rest. Extra names must not clash with the model's entries.
     */
    public static void save(EquivariantHamiltonianFlow model, Path path, boolean overwrite, Map<String, byte[]> extras)
            throws IOException {
        if (!overwrite && Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "the model file exists; pass --force (overwrite=true) to replace it");
        }
        ModelState state = model.state();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.json", JSON.writeValueAsBytes(state.config()));
        entries.put("state.json", JSON.writeValueAsBytes(new SavedState(state.iteration(), state.learningRate(),
                state.consecutiveSkips(), state.multipliers(), state.multiplierAverages(), Provenance.current())));
        entries.put("parameters.bin", ArrayCodec.encode(state.parameters()));
        entries.put("optimizer.bin", ArrayCodec.encode(state.optimizer()));
        for (Map.Entry<String, byte[]> e : extras.entrySet()) {
            if (entries.containsKey(e.getKey()) || e.getKey().equals("manifest.json")) {
                throw new IllegalArgumentException("extra entry name '" + e.getKey() + "' is reserved");
            }
            entries.put(e.getKey(), e.getValue());
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("formatVersion", FORMAT_VERSION);
        manifest.put("eqflowVersion", Provenance.libraryVersion());
        ObjectNode list = manifest.putObject("entries");
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            ObjectNode n = list.putObject(e.getKey());
            n.put("size", e.getValue().length);
            n.put("sha256", sha256(e.getValue()));
        }
        AtomicFiles.write(path, os -> {
            ZipOutputStream zip = new ZipOutputStream(os);
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(JSON.writeValueAsBytes(manifest));
            zip.closeEntry();
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /** Loads and checks a model file. */
    public static EquivariantHamiltonianFlow load(Path path) throws IOException {
        return loadWithExtras(path).model();
    }

    /** A loaded model with the extra entries it was saved with (for example a trainer's checkpoint state). */
    public record Loaded(EquivariantHamiltonianFlow model, Map<String, byte[]> extras) {
    }

    /** Loads and checks a model file and returns its extra entries too, all checksum-verified, in one read. */
    public static Loaded loadWithExtras(Path path) throws IOException {
        Checked checked = readChecked(path);
        EquivariantHamiltonianFlow model;
        try {
            model = EquivariantHamiltonianFlow.restore(checked.state());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        }
        Map<String, byte[]> extras = new LinkedHashMap<>(checked.entries());
        for (String own : new String[] {"manifest.json", "config.json", "state.json", "parameters.bin", "optimizer.bin"}) {
            extras.remove(own);
        }
        return new Loaded(model, extras);
    }

    /** Reads and checks the state in a model file without building the model. */
    public static ModelState read(Path path) throws IOException {
        return readChecked(path).state();
    }

    private record Checked(ModelState state, Map<String, byte[]> entries) {
    }

    private static Checked readChecked(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model file");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream is = Files.newInputStream(path); ZipInputStream zip = new ZipInputStream(is)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (entries.containsKey(e.getName())) {
                    throw new ModelFileException(path + ": entry " + e.getName() + " appears twice");
                }
                entries.put(e.getName(), readBounded(zip, path, e.getName()));
            }
        } catch (ZipException | IllegalArgumentException e) {
            throw new ModelFileException(path + " is not a valid eqflow model file (corrupted zip: " + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new ModelFileException(path + " is truncated", e);
        }
        byte[] manifestBytes = entries.get("manifest.json");
        if (manifestBytes == null) {
            throw new ModelFileException(path + " is not an eqflow model file (no manifest.json; truncated or another format)");
        }
        JsonNode manifest = parseJson(manifestBytes, path, "manifest.json");
        if (!FORMAT.equals(manifest.path("format").asText())) {
            throw new ModelFileException(path + " is not an eqflow model file (format '" + manifest.path("format").asText() + "')");
        }
        int version = manifest.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new ModelFileException(path + " has model format version " + version + " (written by eqflow "
                    + manifest.path("eqflowVersion").asText("?") + "); this eqflow reads version " + FORMAT_VERSION);
        }
        for (String name : new String[] {"config.json", "state.json", "parameters.bin", "optimizer.bin"}) {
            if (manifest.path("entries").path(name).isMissingNode() || !entries.containsKey(name)) {
                throw new ModelFileException(path + ": entry " + name + " is missing (truncated file?)");
            }
        }
        java.util.Iterator<Map.Entry<String, JsonNode>> listed = manifest.path("entries").fields();
        while (listed.hasNext()) {
            Map.Entry<String, JsonNode> e = listed.next();
            byte[] data = entries.get(e.getKey());
            if (data == null) {
                throw new ModelFileException(path + ": entry " + e.getKey() + " is missing (truncated file?)");
            }
            if (e.getValue().path("size").asLong(-1) != data.length || !sha256(data).equals(e.getValue().path("sha256").asText())) {
                throw new ModelFileException(path + ": entry " + e.getKey() + " fails its checksum (the file is corrupted)");
            }
        }
        FlowConfig config;
        SavedState saved;
        try {
            config = JSON.readValue(entries.get("config.json"), FlowConfig.class);
            saved = JSON.readValue(entries.get("state.json"), SavedState.class);
        } catch (IOException e) {
            throw new ModelFileException(path + ": configuration or state is invalid: " + rootMessage(e), e);
        }
        try {
            return new Checked(new ModelState(config, ArrayCodec.decode(entries.get("parameters.bin"), "parameters.bin"),
                    ArrayCodec.decode(entries.get("optimizer.bin"), "optimizer.bin"), saved.iteration(),
                    saved.learningRate(), saved.consecutiveSkips(), saved.multipliers(), saved.multiplierAverages()), entries);
        } catch (ModelFileException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readBounded(InputStream in, Path path, String entry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > MAX_ENTRY_BYTES) {
                throw new ModelFileException(path + ": entry " + entry + " is larger than " + MAX_ENTRY_BYTES + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static JsonNode parseJson(byte[] data, Path path, String entry) throws ModelFileException {
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            throw new ModelFileException(path + ": " + entry + " is not valid JSON (the file is corrupted)", e);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
