package org.eqflow.dl4j;

import org.deeplearning4j.earlystopping.scorecalc.ScoreCalculator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Early-stopping score for a network ending in an {@link EquivariantDensityLayer}: the held-out NLL, the
 * mean of {@code −log p(x)} from the layer's IWAE output (seeded), not the moving Lagrangian.
 */
public final class DensityScoreCalculator implements ScoreCalculator<MultiLayerNetwork> {
    private final DataSetIterator data;
    private final long seed;

    public DensityScoreCalculator(DataSetIterator data, long seed) {
        this.data = data;
        this.seed = seed;
    }

    @Override
    public double calculateScore(MultiLayerNetwork network) {
        data.reset();
        double sum = 0;
        long n = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            sum -= DensityLayers.logDensity(network, ds.getFeatures(), seed + n).sumNumber().doubleValue();
            n += ds.getFeatures().rows();
        }
        return sum / n;
    }

    @Override
    public boolean minimizeScore() {
        return true;
    }
}
