package org.eqflow.dl4j;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.Noise;
import org.eqflow.core.base.BaseDensity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts the noise an {@link EquivariantDensityLayer} trains with into each batch's labels:
 * {@code [ε | q_π | p_π]}, {@code 3d} columns, with {@code ε ~ N(0, I)} the encoder noise and
 * {@code (q_π, p_π) ~ π} the base samples of the symmetry penalty. Batch {@code n} (counted from 0 by this
 * pre-processor) draws from {@code (seed, n)}: a run is reproducible, and the same noise fed to the
 * flow-core model gives the same loss. Attach it to the training iterator:
 * {@code iterator.setPreProcessor(new FlowNoise(net, seed))} (or {@code new FlowNoise(layer, seed)} when the
 * layer's {@code nIn} is set). Any labels the data had are replaced.
 */
public final class FlowNoise implements DataSetPreProcessor {
    private final int dimension;
    /** The columns of the features: the dimension and a conditional layer's context. */
    private final int width;
    private final String base;
    private final long seed;
    private long counter;

    /**
     * For a layer configuration whose input dimension is known ({@code nIn(d)}); a layer sized by the network's
     * {@code InputType} learns its dimension only when the network is built: use {@link #FlowNoise(MultiLayerNetwork, long)}
     * or {@link #FlowNoise(ComputationGraph, String, long)} then.
     */
    public FlowNoise(EquivariantDensityLayer layer, long seed) {
        this(requireSized(layer).flowDimension(), layer.getContextSize(), layer.getBase(), seed);
    }

    /** For the (single) density layer of an initialised network, its dimension read from the network. */
    public FlowNoise(MultiLayerNetwork net, long seed) {
        this(densityLayer(net.getLayerWiseConfigurations().getConfs().stream().map(c -> c.getLayer()).toList(), "the network"),
                seed);
    }

    /** For the density layer {@code layerName} of an initialised computation graph. */
    public FlowNoise(ComputationGraph graph, String layerName, long seed) {
        this(graphLayer(graph, layerName), seed);
    }

    /** For a density layer of input dimension {@code dimension} and base density {@code base}, its noise drawn from {@code seed}. */
    public FlowNoise(int dimension, String base, long seed) {
        this(dimension, 0, base, seed);
    }

    /**
     * For a conditional density layer: {@code dimension} modelled coordinates followed by {@code contextSize} context columns
     * in the features; the noise is {@code 3 · dimension} columns.
     */
    public FlowNoise(int dimension, int contextSize, String base, long seed) {
        if (contextSize < 0) {
            throw new IllegalArgumentException("the context size must be >= 0, got " + contextSize);
        }
        this.width = dimension + contextSize;
        if (dimension < 1) {
            throw new IllegalArgumentException("FlowNoise needs the density layer's input dimension, got " + dimension
                    + ": set nIn(d) on the layer, or build the network first and use new FlowNoise(net, seed)");
        }
        this.dimension = dimension;
        this.base = base;
        this.seed = seed;
    }

    @Override
    public void preProcess(DataSet ds) {
        INDArray f = ds.getFeatures();
        if (f.columns() != width) {
            throw new IllegalArgumentException("features have " + f.columns() + " columns but the density layer expects " + width
                    + (width == dimension ? "" : " (" + dimension + " coordinates, then " + (width - dimension) + " context values)"));
        }
        ds.setLabels(noise(f.rows(), counter++).castTo(f.dataType()));
    }

    /** The labels for batch {@code n} of {@code rows} points. */
    public INDArray noise(long rows, long n) {
        SplittableRandom enc = Noise.stream(seed, n, Noise.Purpose.ENCODER);
        SplittableRandom pen = Noise.stream(seed, n, Noise.Purpose.PENALTY);
        INDArray eps = Noise.gaussian(enc, rows, dimension, DataType.DOUBLE);
        INDArray s0 = BaseDensity.parse(base).sample(rows, dimension, pen, DataType.DOUBLE);
        return Nd4j.hstack(eps, s0);
    }

    private static EquivariantDensityLayer requireSized(EquivariantDensityLayer layer) {
        if (layer.getDimension() < 1) {
            throw new IllegalArgumentException("this density layer's input dimension is not known yet (it is sized by the "
                    + "network's InputType when the network is built): build the network, then use new FlowNoise(net, seed)");
        }
        return layer;
    }

    private static EquivariantDensityLayer densityLayer(java.util.List<? extends Layer> layers, String where) {
        java.util.List<EquivariantDensityLayer> found = layers.stream().filter(l -> l instanceof EquivariantDensityLayer)
                .map(l -> (EquivariantDensityLayer) l).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException(where + " has " + found.size() + " density layers; FlowNoise needs exactly one"
                    + (found.isEmpty() ? "" : ": name it (new FlowNoise(graph, layerName, seed))"));
        }
        return requireSized(found.get(0));
    }

    private static EquivariantDensityLayer graphLayer(ComputationGraph graph, String layerName) {
        var vertex = graph.getConfiguration().getVertices().get(layerName);
        if (!(vertex instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof EquivariantDensityLayer layer)) {
            throw new IllegalArgumentException("the graph has no density layer named '" + layerName + "' (its vertices: "
                    + graph.getConfiguration().getVertices().keySet() + ")");
        }
        return requireSized(layer);
    }

    /** Restarts the batch counter (for example to replay a run). */
    public void reset() {
        counter = 0;
    }
}
