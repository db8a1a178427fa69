package org.eqflow.core.io;

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
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.FlowParts;
import org.eqflow.core.ModelState;
import org.eqflow.core.finite.FiniteFlowConfig;
import org.eqflow.core.finite.CouplingFlow;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.finite.ResidualFlow;
import org.eqflow.core.manifold.ManifoldFlow;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.symmetry.Symmetries;

/**
 * The one-file model format: a zip holding
 *
 * <ul>
 *   <li>{@code manifest.json}: format name and version, the model's family ({@code hamiltonian} when absent, or
 *       {@code residual}, {@code coupling} or {@code spectral}), and the SHA-256 and size of every other entry;</li>
 *   <li>{@code config.json}: the {@link FlowConfig} (or the {@link FiniteFlowConfig} of a finite flow, or the
 *       {@link SpectralFlow.Config} of a flow on SU(n));</li>
 *   <li>{@code state.json}: iteration, learning rate, Lagrange multipliers and their moving averages, provenance;</li>
 *   <li>{@code parameters.bin}, {@code optimizer.bin}: weights and Adam moments ({@link ArrayCodec});</li>
 *   <li>{@code spectral.bin} (finite flows): the residual flow's spectral-norm singular vectors (empty for a coupling flow).</li>
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
    private static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 16;
    private static final int MAX_ENTRIES = 64;
    private static final int MAX_MANIFEST_BYTES = 1 << 16;
    private static final int MAX_JSON_BYTES = 1 << 20;
    private static final int MAX_MULTIPLIERS = 1 << 20;
    private static final List<String> OWN_ENTRIES = List.of("config.json", "state.json", "parameters.bin", "optimizer.bin");
    private static final List<String> FINITE_ENTRIES = List.of("config.json", "state.json", "parameters.bin", "optimizer.bin",
            "spectral.bin");
    private static final String HAMILTONIAN = EquivariantHamiltonianFlow.FAMILY;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ModelFile() {
    }

    /** The saved training state of a finite flow beside its weights. */
    record FiniteSavedState(long iteration, double learningRate, int consecutiveSkips, Provenance provenance) {
    }

    /** The saved training state of a manifold flow (SU(n) or S²) beside its weights. */
    record ManifoldSavedState(long iteration, double learningRate, int consecutiveSkips, Provenance provenance) {
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
    public static void save(TrainableModel model, Path path, boolean overwrite) throws IOException {
        save(model, path, overwrite, Map.of());
    }

    /**
     * Saves atomically, with extra named entries (for example a trainer's own state in a checkpoint),
     * covered by the manifest's checksums like the rest. Extra names must not clash with the model's entries.
     */
    public static void save(TrainableModel model, Path path, boolean overwrite, Map<String, byte[]> extras)
            throws IOException {
        if (!overwrite && Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "the model file exists; pass --force (overwrite=true) to replace it");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        if (model instanceof EquivariantHamiltonianFlow flow) {
            ModelState state = flow.state();
            entries.put("config.json", JSON.writeValueAsBytes(state.config()));
            entries.put("state.json", JSON.writeValueAsBytes(new SavedState(state.iteration(), state.learningRate(),
                    state.consecutiveSkips(), state.multipliers(), state.multiplierAverages(), Provenance.current())));
            entries.put("parameters.bin", ArrayCodec.encode(state.parameters()));
            entries.put("optimizer.bin", ArrayCodec.encode(state.optimizer()));
        } else if (model instanceof FiniteFlow flow) {
            FiniteFlow.Saved state = flow.state();
            entries.put("config.json", JSON.writeValueAsBytes(state.config()));
            entries.put("state.json", JSON.writeValueAsBytes(new FiniteSavedState(state.iteration(), state.learningRate(),
                    state.consecutiveSkips(), Provenance.current())));
            entries.put("parameters.bin", ArrayCodec.encode(state.parameters()));
            entries.put("optimizer.bin", ArrayCodec.encode(state.optimizer()));
            entries.put("spectral.bin", ArrayCodec.encode(state.spectral()));
        } else if (model instanceof ManifoldFlow flow) {
            ManifoldFlow.SavedState state = flow.state();
            entries.put("config.json", JSON.writeValueAsBytes(state.config()));
            entries.put("state.json", JSON.writeValueAsBytes(new ManifoldSavedState(state.iteration(), state.learningRate(),
                    state.consecutiveSkips(), Provenance.current())));
            entries.put("parameters.bin", ArrayCodec.encode(state.parameters()));
            entries.put("optimizer.bin", ArrayCodec.encode(state.optimizer()));
        } else {
            throw new IllegalArgumentException("no model file format for " + model.getClass().getName());
        }
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
        manifest.put("family", model.family());
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

    /** Loads and checks a model file as data: a {@code class:} symmetry in it is refused (see {@link LoadOptions}). */
    public static EquivariantHamiltonianFlow load(Path path) throws IOException {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Loads and checks a model file of the Hamiltonian family; {@code options} says which classes named in it may
     * be constructed. A file of another family is refused ({@link #loadModel} takes every family).
     */
    public static EquivariantHamiltonianFlow load(Path path, LoadOptions options) throws IOException {
        TrainableModel model = loadModel(path, options);
        if (model instanceof EquivariantHamiltonianFlow flow) {
            return flow;
        }
        throw new ModelFileException(path + " holds a " + model.family() + " flow, not a Hamiltonian one: load it with "
                + "ModelFile.loadModel");
    }

    /** Loads and checks a model file of any family (a {@link EquivariantHamiltonianFlow} or a {@link FiniteFlow}). */
    public static TrainableModel loadModel(Path path, LoadOptions options) throws IOException {
        return loadWithExtras(path, options).model();
    }

    /** {@link #loadModel(Path, LoadOptions)} with {@link LoadOptions#defaults()}. */
    public static TrainableModel loadModel(Path path) throws IOException {
        return loadModel(path, LoadOptions.defaults());
    }

    /** A loaded model with the extra entries it was saved with (for example a trainer's checkpoint state). */
    public record Loaded(TrainableModel model, Map<String, byte[]> extras) {
    }

    /** {@link #loadWithExtras(Path, LoadOptions)} with {@link LoadOptions#defaults()}. */
    public static Loaded loadWithExtras(Path path) throws IOException {
        return loadWithExtras(path, LoadOptions.defaults());
    }

    /** Loads and checks a model file and returns its extra entries too, all checksum-verified, in one read. */
    public static Loaded loadWithExtras(Path path, LoadOptions options) throws IOException {
        Checked checked = readChecked(path, options);
        TrainableModel model;
        try {
            model = checked.finite() != null ? FiniteFlow.restore(checked.finite())
                    : checked.manifold() instanceof SpectralFlow.Saved su ? SpectralFlow.restore(su)
                    : checked.manifold() instanceof SphereFlow.Saved s2 ? SphereFlow.restore(s2)
                    : EquivariantHamiltonianFlow.restore(checked.state());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        }
        return new Loaded(model, checked.extras());
    }

    /** Reads and checks the state in a model file without building the model. */
    public static ModelState read(Path path) throws IOException {
        return read(path, LoadOptions.defaults());
    }

    /** Reads and checks the state in a model file without building the model. */
    public static ModelState read(Path path, LoadOptions options) throws IOException {
        Checked checked = readChecked(path, options);
        if (checked.state() == null) {
            String family = checked.finite() != null ? checked.finite().config().kind().name().toLowerCase(java.util.Locale.ROOT)
                    : checked.manifold() instanceof SpectralFlow.Saved ? SpectralFlow.FAMILY : SphereFlow.FAMILY;
            throw new ModelFileException(path + " holds a " + family + " flow, not a Hamiltonian one: load it with ModelFile.loadModel");
        }
        return checked.state();
    }

    /** What a file holds: the state of a Hamiltonian flow, a finite flow, an SU(n) flow or a flow on S², and the extra entries. */
    private record Checked(ModelState state, FiniteFlow.Saved finite, ManifoldFlow.SavedState manifold, Map<String, byte[]> extras) {
    }

    /**
     * The loader's order is the threat model's (docs/reliability.md): nothing is inflated before the
     * manifest, no entry beyond its listed size, nothing is parsed before its checksum passes, no class is
     * touched unless allowed, and the weights' sizes are derived from the configuration arithmetically and
     * compared with the listed sizes before any array is read.
     */
    private static Checked readChecked(Path path, LoadOptions options) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model file");
        }
        if (Files.isDirectory(path)) {
            throw new ModelFileException(path + " is a directory, not a model file: give the .zip that eqflow train wrote");
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelFileException(path + " is not a regular file (a FIFO or a device?): give the .zip that eqflow train wrote");
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            return readChecked(path, zip, options);
        } catch (ZipException e) {
            throw new ModelFileException(path + " is not an eqflow model file (not a readable zip: " + e.getMessage()
                    + "; truncated or another format)", e);
        } catch (java.io.EOFException e) {
            throw new ModelFileException(path + " is truncated", e);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(path + " could not be read as a model file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelFileException(path + " is not a valid eqflow model file (" + rootMessage(e) + ")", e);
        }
    }

    private static Checked readChecked(Path path, ZipFile zip, LoadOptions options) throws IOException {
        if (zip.size() > MAX_ENTRIES) {
            throw new ModelFileException(path + " has " + zip.size() + " zip entries; a model file has at most " + MAX_ENTRIES);
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (java.util.Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            if (!names.add(name)) {
                throw new ModelFileException(path + ": entry " + name + " appears twice");
            }
        }
        if (!names.contains("manifest.json")) {
            throw new ModelFileException(path + " is not an eqflow model file (no manifest.json; truncated or another format)");
        }
        JsonNode manifest = parseJson(entry(zip, path, "manifest.json", -1, MAX_MANIFEST_BYTES), path, "manifest.json");
        if (!FORMAT.equals(manifest.path("format").asText())) {
            throw new ModelFileException(path + " is not an eqflow model file (format '" + manifest.path("format").asText() + "')");
        }
        int version = manifest.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new ModelFileException(path + " has model format version " + version + " (written by eqflow "
                    + manifest.path("eqflowVersion").asText("?") + "); this eqflow reads version " + FORMAT_VERSION);
        }
        JsonNode listed = manifest.path("entries");
        if (!listed.isObject() || listed.size() > MAX_ENTRIES) {
            throw new ModelFileException(path + ": manifest.json lists no valid entries (the file is corrupted)");
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = listed.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode size = e.getValue().path("size");
            if (!size.canConvertToLong() || size.asLong() < 0 || !e.getValue().path("sha256").isTextual()) {
                throw new ModelFileException(path + ": manifest.json gives entry " + e.getKey() + " no valid size and checksum");
            }
            if (!names.contains(e.getKey())) {
                throw new ModelFileException(path + ": entry " + e.getKey() + " is missing (truncated file?)");
            }
            sizes.put(e.getKey(), size.asLong());
        }
        String family = manifest.path("family").asText(HAMILTONIAN);
        boolean finite = family.equals(ResidualFlow.FAMILY) || family.equals(CouplingFlow.FAMILY);
        boolean spectral = family.equals(SpectralFlow.FAMILY);
        boolean sphere = family.equals(SphereFlow.FAMILY);
        if (!family.equals(HAMILTONIAN) && !finite && !spectral && !sphere) {
            throw new ModelFileException(path + " holds a model of family '" + family + "', which this eqflow does not know "
                    + "(it reads hamiltonian, residual, coupling, spectral and sphere)");
        }
        for (String name : finite ? FINITE_ENTRIES : OWN_ENTRIES) {
            if (!sizes.containsKey(name)) {
                throw new ModelFileException(path + ": entry " + name + " is missing (truncated file?)");
            }
        }
        long configSize = sizes.get("config.json");
        if (configSize > MAX_JSON_BYTES || sizes.get("state.json") > MAX_JSON_BYTES) {
            throw new ModelFileException(path + ": config.json or state.json is larger than " + MAX_JSON_BYTES
                    + " bytes (the file is corrupted or not from eqflow)");
        }
        byte[] configBytes = verified(zip, path, "config.json", manifest);
        JsonNode configTree = parseJson(configBytes, path, "config.json");
        if (finite) {
            return readFinite(path, zip, manifest, sizes, configTree, family);
        }
        if (spectral) {
            return readManifold(path, zip, manifest, sizes, configTree, SpectralFlow.Config.class, SpectralFlow::parameterShapes,
                    SpectralFlow.Saved::new);
        }
        if (sphere) {
            return readManifold(path, zip, manifest, sizes, configTree, SphereFlow.Config.class, SphereFlow::parameterShapes,
                    SphereFlow.Saved::new);
        }
        checkClasses(path, configTree, options);
        FlowConfig config;
        Map<String, long[]> shapes;
        try {
            config = JSON.treeToValue(configTree, FlowConfig.class);
            shapes = FlowParts.parameterShapes(config);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new ModelFileException(path + ": configuration is invalid: " + rootMessage(e), e);
        }
        Weights weights = weights(zip, path, manifest, sizes, shapes, Map.of());
        Map<String, ModelState.NamedArray> parameters = weights.parameters();
        Map<String, ModelState.NamedArray> optimizer = weights.optimizer();
        SavedState saved;
        try {
            saved = JSON.readValue(verified(zip, path, "state.json", manifest), SavedState.class);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(path + ": state.json is invalid: " + rootMessage(e), e);
        }
        checkState(path, saved);
        Map<String, byte[]> extras = new LinkedHashMap<>();
        for (String name : sizes.keySet()) {
            if (!name.equals("manifest.json") && !OWN_ENTRIES.contains(name)) {
                extras.put(name, verified(zip, path, name, manifest));
            }
        }
        try {
            return new Checked(new ModelState(config, parameters, optimizer, saved.iteration(), saved.learningRate(),
                    saved.consecutiveSkips(), saved.multipliers(), saved.multiplierAverages()), null, null, extras);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        }
    }

    /** The finite families' part of {@link #readChecked}: the same order of checks, their own configuration and arrays. */
    private static Checked readFinite(Path path, ZipFile zip, JsonNode manifest, Map<String, Long> sizes, JsonNode configTree,
                                      String family) throws IOException {
        FiniteFlowConfig config;
        Map<String, long[]> shapes;
        Map<String, long[]> spectralShapes;
        try {
            config = JSON.treeToValue(configTree, FiniteFlowConfig.class).toBuilder().build();
            shapes = FiniteFlow.parameterShapes(config);
            spectralShapes = FiniteFlow.vectorShapes(config);
        } catch (IOException | IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw new ModelFileException(path + ": configuration is invalid: " + rootMessage(e), e);
        }
        if (!config.kind().name().equalsIgnoreCase(family)) {
            throw new ModelFileException(path + ": the manifest says family '" + family + "' but config.json describes a "
                    + config.kind().name().toLowerCase(java.util.Locale.ROOT) + " flow (the file is corrupted or not from eqflow)");
        }
        Weights weights = weights(zip, path, manifest, sizes, shapes, Map.of("spectral.bin", ArrayCodec.encodedSize(spectralShapes)));
        Map<String, ModelState.NamedArray> parameters = weights.parameters();
        Map<String, ModelState.NamedArray> optimizer = weights.optimizer();
        Map<String, ModelState.NamedArray> spectral = arrays(zip, path, manifest, "spectral.bin", spectralShapes);
        FiniteSavedState saved = state(zip, path, manifest, FiniteSavedState.class);
        checkCounters(path, saved.iteration(), saved.consecutiveSkips(), saved.learningRate());
        Map<String, byte[]> extras = extras(zip, path, manifest, sizes, FINITE_ENTRIES);
        return new Checked(null, new FiniteFlow.Saved(config, parameters, optimizer, spectral, saved.iteration(),
                saved.learningRate(), saved.consecutiveSkips()), null, extras);
    }

    /** A manifold flow's saved state from its parts. */
    private interface ManifoldState<C> {
        ManifoldFlow.SavedState of(C config, Map<String, ModelState.NamedArray> parameters, Map<String, ModelState.NamedArray> optimizer,
                                   long iteration, double learningRate, int consecutiveSkips);
    }

    /** The manifold families' part of {@link #readChecked}: the same order of checks, their own configuration. */
    private static <C> Checked readManifold(Path path, ZipFile zip, JsonNode manifest, Map<String, Long> sizes, JsonNode configTree,
                                            Class<C> type, java.util.function.Function<C, Map<String, long[]>> shapesOf,
                                            ManifoldState<C> state) throws IOException {
        C config;
        Map<String, long[]> shapes;
        try {
            config = JSON.treeToValue(configTree, type);
            shapes = shapesOf.apply(config);
        } catch (IOException | IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw new ModelFileException(path + ": configuration is invalid: " + rootMessage(e), e);
        }
        Weights weights = weights(zip, path, manifest, sizes, shapes, Map.of());
        ManifoldSavedState saved = state(zip, path, manifest, ManifoldSavedState.class);
        checkCounters(path, saved.iteration(), saved.consecutiveSkips(), saved.learningRate());
        return new Checked(null, null, state.of(config, weights.parameters(), weights.optimizer(), saved.iteration(), saved.learningRate(),
                saved.consecutiveSkips()), extras(zip, path, manifest, sizes, OWN_ENTRIES));
    }

    /** A model's weights and Adam moments as read from a file. */
    private record Weights(Map<String, ModelState.NamedArray> parameters, Map<String, ModelState.NamedArray> optimizer) {
    }

    /**
     * Checks the sizes of {@code parameters.bin} and {@code optimizer.bin} against the shapes the configuration
     * defines, then those of the family's further array entries ({@code others}: name and expected bytes), then the
     * file's total, before reading the weights.
     */
    private static Weights weights(ZipFile zip, Path path, JsonNode manifest, Map<String, Long> sizes, Map<String, long[]> shapes,
                                   Map<String, Long> others) throws IOException {
        Map<String, long[]> optimizerShapes = optimizerShapes(shapes);
        long parameterBytes = ArrayCodec.encodedSize(shapes);
        long optimizerBytes = ArrayCodec.encodedSize(optimizerShapes);
        expectSize(path, "parameters.bin", sizes.get("parameters.bin"), parameterBytes);
        expectSize(path, "optimizer.bin", sizes.get("optimizer.bin"), optimizerBytes);
        long total = parameterBytes + optimizerBytes;
        for (Map.Entry<String, Long> e : others.entrySet()) {
            expectSize(path, e.getKey(), sizes.get(e.getKey()), e.getValue());
            total += e.getValue();
        }
        checkTotal(path, sizes, total);
        return new Weights(arrays(zip, path, manifest, "parameters.bin", shapes),
                arrays(zip, path, manifest, "optimizer.bin", optimizerShapes));
    }

    /** The checksum-verified {@code state.json} as {@code type}. */
    private static <T> T state(ZipFile zip, Path path, JsonNode manifest, Class<T> type) throws IOException {
        try {
            return JSON.readValue(verified(zip, path, "state.json", manifest), type);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(path + ": state.json is invalid: " + rootMessage(e), e);
        }
    }

    /** Refuses a saved training state with a negative counter or a non-finite or non-positive learning rate. */
    private static void checkCounters(Path path, long iteration, int consecutiveSkips, double learningRate) throws ModelFileException {
        if (!(iteration >= 0 && consecutiveSkips >= 0 && learningRate > 0 && Double.isFinite(learningRate))) {
            throw new ModelFileException(path + ": state.json holds an invalid training state (a non-finite or non-positive "
                    + "learning rate, or a negative counter); the file is corrupted or from a diverged run");
        }
    }

    /** The checksum-verified entries beyond the manifest and the family's own. */
    private static Map<String, byte[]> extras(ZipFile zip, Path path, JsonNode manifest, Map<String, Long> sizes, List<String> own)
            throws IOException {
        Map<String, byte[]> extras = new LinkedHashMap<>();
        for (String name : sizes.keySet()) {
            if (!name.equals("manifest.json") && !own.contains(name)) {
                extras.put(name, verified(zip, path, name, manifest));
            }
        }
        return extras;
    }

    /**
     * Refuses a {@code class:} symmetry or potential energy whose class the caller has not allowed, before
     * anything loads it.
     */
    private static void checkClasses(Path path, JsonNode config, LoadOptions options) throws ModelFileException {
        JsonNode specs = config.path("symmetries");
        if (specs.isArray()) {
            List<String> texts = new java.util.ArrayList<>();
            for (JsonNode spec : specs) {
                texts.add(spec.asText());
            }
            for (String name : Symmetries.classNames(texts)) {
                requireAllowed(path, options, name, "symmetry");
            }
        }
        JsonNode potential = config.path("potential");
        if (potential.isTextual()) {
            org.eqflow.core.energy.EnergySpec spec;
            try {
                spec = org.eqflow.core.energy.EnergySpec.parse(potential.asText());
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(path + ": its configuration is invalid: " + e.getMessage());
            }
            if (spec instanceof org.eqflow.core.energy.EnergySpec.Custom c) {
                requireAllowed(path, options, c.className(), "potential energy");
            }
        }
    }

    private static void requireAllowed(Path path, LoadOptions options, String name, String what) throws ModelFileException {
        if (!options.allows(name)) {
            throw new ModelFileException(path + ": its " + what + " names the class '" + name + "', and a model file may only "
                    + "construct classes you allow: if you trust this file, pass --allow-class " + name
                    + " (in Java: LoadOptions.allowClasses(\"" + name + "\"))");
        }
    }

    private static void checkState(Path path, SavedState s) throws ModelFileException {
        boolean ok = s.iteration() >= 0 && s.consecutiveSkips() >= 0 && s.learningRate() > 0
                && Double.isFinite(s.learningRate()) && s.multipliers() != null && s.multiplierAverages() != null
                && s.multipliers().length <= MAX_MULTIPLIERS && s.multiplierAverages().length <= MAX_MULTIPLIERS;
        if (ok) {
            for (double v : s.multipliers()) {
                ok &= v > 0 && Double.isFinite(v);
            }
            for (double v : s.multiplierAverages()) {
                ok &= Double.isFinite(v);
            }
        }
        if (!ok) {
            throw new ModelFileException(path + ": state.json holds an invalid training state (a non-finite or non-positive "
                    + "learning rate or multiplier, or a negative counter); the file is corrupted or from a diverged run");
        }
    }

    /** Adam's moments of each parameter: {@code [1, 2n]}. */
    private static Map<String, long[]> optimizerShapes(Map<String, long[]> shapes) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            out.put(e.getKey(), new long[] {1, 2 * count(e.getValue())});
        }
        return out;
    }

    /** All entries together may list at most 4× the arrays' size and 2 MB of JSON. */
    private static void checkTotal(Path path, Map<String, Long> sizes, long arrayBytes) throws ModelFileException {
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        long allowed = 4 * arrayBytes + 2 * MAX_JSON_BYTES;
        if (total > allowed) {
            throw new ModelFileException(path + ": its entries list " + total + " bytes, more than the " + allowed
                    + " a model of this configuration can need (the file is corrupted or not from eqflow)");
        }
    }

    private static void expectSize(Path path, String name, long listed, long expected) throws ModelFileException {
        if (listed != expected) {
            throw new ModelFileException(path + ": " + name + " holds " + listed + " bytes but the configuration implies "
                    + expected + " (the file is corrupted, or its config.json was altered)");
        }
    }

    private static Map<String, ModelState.NamedArray> arrays(ZipFile zip, Path path, JsonNode manifest, String name,
                                                             Map<String, long[]> shapes) throws IOException {
        byte[] block = verified(zip, path, name, manifest);
        Map<String, ModelState.NamedArray> arrays;
        try {
            arrays = ArrayCodec.decode(block, name);
        } catch (ModelFileException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        }
        if (!arrays.keySet().equals(shapes.keySet())) {
            throw new ModelFileException(path + ": " + name + " holds arrays " + arrays.keySet() + " but the configuration defines "
                    + shapes.keySet());
        }
        for (Map.Entry<String, ModelState.NamedArray> e : arrays.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue().shape(), shapes.get(e.getKey()))) {
                throw new ModelFileException(path + ": " + name + ": array '" + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(e.getValue().shape()) + " but the configuration implies "
                        + java.util.Arrays.toString(shapes.get(e.getKey())));
            }
            for (double v : e.getValue().data()) {
                if (!Double.isFinite(v)) {
                    throw new ModelFileException(path + ": " + name + ": array '" + e.getKey() + "' holds " + v
                            + "; a usable model has finite weights and optimiser state (saved from a diverged run?)");
                }
            }
        }
        return arrays;
    }

    /** An entry's bytes, read up to its listed size only, with the listed checksum verified. */
    private static byte[] verified(ZipFile zip, Path path, String name, JsonNode manifest) throws IOException {
        JsonNode listed = manifest.path("entries").path(name);
        long size = listed.path("size").asLong();
        if (size > MAX_ENTRY_BYTES) {
            throw new ModelFileException(path + ": entry " + name + " is larger than " + MAX_ENTRY_BYTES + " bytes");
        }
        byte[] data = entry(zip, path, name, size, size);
        if (!sha256(data).equals(listed.path("sha256").asText())) {
            throw new ModelFileException(path + ": entry " + name + " fails its checksum (the file is corrupted)");
        }
        return data;
    }

    /**
     * Inflates one entry into at most {@code cap} bytes; with {@code expected >= 0} it must hold exactly that
     * many. Never allocates more than {@code cap}, whatever the entry's headers claim.
     */
    private static byte[] entry(ZipFile zip, Path path, String name, long expected, long cap) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new ModelFileException(path + ": entry " + name + " is missing (truncated file?)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(cap, 1 << 16));
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try (InputStream in = zip.getInputStream(e)) {
            int n;
            while ((n = in.read(buf, 0, (int) Math.min(buf.length, cap + 1 - total))) > 0) {
                total += n;
                if (total > cap) {
                    throw new ModelFileException(path + ": entry " + name + " holds more than "
                            + (expected >= 0 ? "the " + expected + " bytes the manifest lists" : cap + " bytes")
                            + " (the file is corrupted)");
                }
                out.write(buf, 0, n);
            }
        } catch (ZipException | java.io.EOFException ex) {
            throw new ModelFileException(path + ": entry " + name + " cannot be inflated (the file is corrupted or truncated: "
                    + ex.getMessage() + ")", ex);
        }
        if (expected >= 0 && total != expected) {
            throw new ModelFileException(path + ": entry " + name + " holds " + total + " bytes but the manifest lists "
                    + expected + " (the file is corrupted)");
        }
        return out.toByteArray();
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
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
        String m = t instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : t.getMessage();
        return m != null ? m : t.getClass().getSimpleName();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
