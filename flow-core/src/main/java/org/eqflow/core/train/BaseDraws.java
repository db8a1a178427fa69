package org.eqflow.core.train;

import org.eqflow.core.Noise;
import org.eqflow.core.base.BaseDensity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fresh draws {@code (q, p) ~ π} of a flow's base density at every step: the batches of reverse-KL training of
 * a Hamiltonian flow ({@code EquivariantHamiltonianFlow#trainByReverseKl}), rows {@code [q | p]} of {@code 2d}
 * columns. Batch {@code t} is drawn from {@code (seed, t)}.
 */
public final class BaseDraws implements DataSource {
    private final BaseDensity base;
    private final int dimension;
    private final long seed;
    private final DataType dataType;

    /**
     * @param base      the flow's base density
     * @param dimension the data dimension {@code d}
     * @param seed      the seed of the draws
     * @param dataType  the model's precision
     */
    public BaseDraws(BaseDensity base, int dimension, long seed, DataType dataType) {
        this.base = base;
        this.dimension = dimension;
        this.seed = seed;
        this.dataType = dataType;
    }

    @Override
    public int dimension() {
        return 2 * dimension;
    }

    @Override
    public INDArray batch(long iteration, int batchSize) {
        return base.sample(batchSize, dimension, Noise.stream(seed, iteration, Noise.Purpose.DATA), dataType);
    }
}
