package org.eqflow.core.train;

import org.eqflow.core.Noise;
import org.eqflow.core.target.Target;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Fresh samples from a target at every step ("infinite data"): batch {@code t} is drawn from {@code (seed, t)}. */
public final class TargetData implements DataSource {
    private final Target target;
    private final long seed;

    /** Fresh batches from {@code target}: batch {@code t} drawn from {@code (seed, t)}. */
    public TargetData(Target target, long seed) {
        this.target = target;
        this.seed = seed;
    }

    @Override
    public int dimension() {
        return target.dimension();
    }

    @Override
    public INDArray batch(long iteration, int batchSize) {
        double[][] x = target.sample(batchSize, Noise.stream(seed, iteration, Noise.Purpose.DATA));
        double[] flat = new double[batchSize * dimension()];
        for (int i = 0; i < batchSize; i++) {
            System.arraycopy(x[i], 0, flat, i * dimension(), dimension());
        }
        return Nd4j.create(flat, new long[] {batchSize, dimension()}, DataType.DOUBLE);
    }
}
