package org.eqflow.dl4j;

import java.util.SplittableRandom;
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
 * {@code iterator.setPreProcessor(new FlowNoise(layer, seed))}. Any labels the data had are replaced.
 */
public final class FlowNoise implements DataSetPreProcessor {
    private final int dimension;
    private final String base;
    private final long seed;
    private long counter;

    public FlowNoise(EquivariantDensityLayer layer, long seed) {
        this(layer.getDimension(), layer.getBase(), seed);
    }

    public FlowNoise(int dimension, String base, long seed) {
        this.dimension = dimension;
        this.base = base;
        this.seed = seed;
    }

    @Override
    public void preProcess(DataSet ds) {
        INDArray f = ds.getFeatures();
        if (f.columns() != dimension) {
            throw new IllegalArgumentException("features have " + f.columns() + " columns but the density layer expects " + dimension);
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

    /** Restarts the batch counter (for example to replay a run). */
    public void reset() {
        counter = 0;
    }
}
