package org.eqflow.dl4j;

import org.deeplearning4j.earlystopping.scorecalc.ScoreCalculator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Early-stopping score for a network with an {@link EquivariantDensityLayer}: the held-out NLL, the mean of
 * {@code −log p(x)} from the layer's IWAE estimates (seeded, so the same network always scores the same),
 * not the Lagrangian DL4J minimises (which moves with the multipliers).
 *
 * @param <T> {@link MultiLayerNetwork} or {@link ComputationGraph}
 */
public final class DensityScoreCalculator<T extends Model> implements ScoreCalculator<T> {
    private final DataSetIterator data;
    private final String layerName;
    private final long seed;

    /**
     * For a {@link MultiLayerNetwork} with one density layer.
     *
     * @param data held-out points (labels, if any, are ignored)
     * @param seed seed of the estimates (batch {@code n} of a pass uses {@code seed + n})
     */
    public DensityScoreCalculator(DataSetIterator data, long seed) {
        this(data, null, seed);
    }

    /**
     * For the density layer {@code layerName}, an output of a {@link ComputationGraph} with one input.
     *
     * @param data      held-out points (labels, if any, are ignored)
     * @param layerName the density layer's name
     * @param seed      seed of the estimates
     */
    public DensityScoreCalculator(DataSetIterator data, String layerName, long seed) {
        this.data = data;
        this.layerName = layerName;
        this.seed = seed;
    }

    @Override
    public double calculateScore(T network) {
        data.reset();
        double sum = 0;
        long n = 0;
        long batch = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            sum -= logDensity(network, ds.getFeatures(), seed + batch++).sumNumber().doubleValue();
            n += ds.getFeatures().rows();
        }
        return sum / n;
    }

    private INDArray logDensity(T network, INDArray x, long s) {
        if (network instanceof MultiLayerNetwork net) {
            return DensityLayers.logDensity(net, x, s);
        }
        if (network instanceof ComputationGraph graph) {
            if (layerName == null) {
                throw new IllegalArgumentException("name the graph's density layer: new DensityScoreCalculator<>(data, layerName, seed)");
            }
            return DensityLayers.logDensity(graph, layerName, x, s);
        }
        throw new IllegalArgumentException("DensityScoreCalculator scores a MultiLayerNetwork or a ComputationGraph, not " + network.getClass());
    }

    @Override
    public boolean minimizeScore() {
        return true;
    }
}
