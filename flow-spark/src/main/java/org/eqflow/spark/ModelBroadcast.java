package org.eqflow.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eqflow.core.Threads;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.model.TrainableModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model as it travels to Spark's executors: the bytes of its model file, and which classes named in it an
 * executor may construct. Each executor thread loads the model once through {@link ModelFile}'s checked loader (the
 * same checks as a local load: checksums, sizes, allowed classes) and keeps it for the following tasks: a model is not
 * thread-safe, and Spark runs one task per core.
 *
 * <p>ND4J's own threads would compete with Spark's task threads for the same cores, so an executor that loads a model
 * runs ND4J single-threaded ({@link Threads#useSingleThread()}) unless built with {@code singleThreaded = false}.
 */
public final class ModelBroadcast implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model each executor thread holds, with the id of the broadcast it came from. */
    private static final ThreadLocal<Map<String, TrainableModel>> LOCAL = ThreadLocal.withInitial(HashMap::new);
    private static volatile boolean threadsSet;

    private final String id = UUID.randomUUID().toString();
    private final byte[] file;
    private final List<String> allowedClasses;
    private final boolean singleThreaded;
    private final int dimension;
    /** The columns of a row: the dimension, and a conditional model's context after it. */
    private final int rowWidth;

    private ModelBroadcast(byte[] file, int dimension, int rowWidth, List<String> allowedClasses, boolean singleThreaded) {
        this.rowWidth = rowWidth;
        this.file = file;
        this.dimension = dimension;
        this.allowedClasses = List.copyOf(allowedClasses);
        this.singleThreaded = singleThreaded;
    }

    /**
     * The model's current state (weights, optimiser, configuration), as the executors will load it.
     *
     * @param load           which classes named in the model (a {@code class:} symmetry) executors may construct
     * @param singleThreaded run ND4J single-threaded on the executors (the default of the other factories)
     */
    public static ModelBroadcast of(TrainableModel model, LoadOptions load, boolean singleThreaded) {
        try {
            Path tmp = Files.createTempFile("eqflow-broadcast", ".zip");
            try {
                ModelFile.save(model, tmp, true);
                return new ModelBroadcast(Files.readAllBytes(tmp), model.dimension(), model.rowWidth(), load.allowedClasses(),
                        singleThreaded);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the model for the executors: " + e.getMessage(), e);
        }
    }

    /** {@link #of(TrainableModel, LoadOptions, boolean)}, single-threaded ND4J on the executors. */
    public static ModelBroadcast of(TrainableModel model, LoadOptions load) {
        return of(model, load, true);
    }

    /**
     * Reads a model file as the executors will load it; the file is checked here first, with the same options, so a
     * bad file fails on the driver with its own message.
     */
    public static ModelBroadcast read(Path modelFile, LoadOptions load) throws IOException {
        byte[] bytes = Files.readAllBytes(modelFile);
        org.eqflow.core.model.TrainableModel checked = ModelFile.loadModel(modelFile, load);  // checked once, with the file's own path
        int d = checked.dimension();
        int width = checked.rowWidth();
        if (!java.util.Arrays.equals(bytes, Files.readAllBytes(modelFile))) {  // what travels is what was checked
            throw new IOException(modelFile + " changed while it was being read: read it again once it is written");
        }
        return new ModelBroadcast(bytes, d, width, load.allowedClasses(), true);
    }

    /** The model's dimension. */
    public int dimension() {
        return dimension;
    }

    /**
     * The columns of a row the model scores: its dimension, followed by the context of a conditional density
     * {@code p(x | c)}.
     */
    public int rowWidth() {
        return rowWidth;
    }

    /** The size of the model file that travels to each executor, in bytes. */
    public int bytes() {
        return file.length;
    }

    /** This thread's copy of the model, loaded on first use. */
    public TrainableModel local() {
        Map<String, TrainableModel> held = LOCAL.get();
        TrainableModel m = held.get(id);
        if (m == null) {
            if (singleThreaded && !threadsSet) {
                Threads.useSingleThread();
                threadsSet = true;
            }
            held.clear();  // one model per thread: the one of the latest broadcast
            m = load();
            held.put(id, m);
        }
        return m;
    }

    /** A new copy of the model (the driver's, for example); the same checks as {@link #local()}. */
    public TrainableModel load() {
        try {
            Path tmp = Files.createTempFile("eqflow-model", ".zip");
            try {
                Files.write(tmp, file);
                return ModelFile.loadModel(tmp, new LoadOptions(allowedClasses));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not load the broadcast model: " + e.getMessage(), e);
        }
    }

    /** Sets a model's parameters to the given values (by name, c order), the executors' copy of the driver's weights. */
    static void assign(TrainableModel model, Map<String, double[]> values) {
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            double[] v = values.get(e.getKey());
            if (v == null || v.length != e.getValue().length()) {
                throw new IllegalStateException("the driver sent no values of the right size for parameter " + e.getKey());
            }
            INDArray p = e.getValue();
            p.assign(Nd4j.create(v, p.shape(), DataType.DOUBLE).castTo(p.dataType()));
        }
    }

    /** A model's parameters as plain arrays (c order), what a training step sends to the executors. */
    static Map<String, double[]> values(TrainableModel model) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, p.castTo(DataType.DOUBLE).dup('c').data().asDouble()));
        return out;
    }
}
