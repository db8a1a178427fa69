package org.eqflow.core.train;

import java.util.SplittableRandom;
import org.eqflow.core.Noise;
import org.eqflow.core.manifold.SpecialUnitary;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Haar-distributed matrices of SU(n) at every step: the batches of reverse-KL training of a
 * {@link org.eqflow.core.manifold.SpectralFlow} (the base draws its flow pushes forward). Batch {@code t} is drawn
 * from {@code (seed, t)}; rows in the format of {@link SpecialUnitary#toRow} (SU(2): unit quaternions).
 */
public final class HaarData implements DataSource {
    private final int n;
    private final long seed;

    /**
     * @param n    the group SU(n)
     * @param seed the seed of the draws
     */
    public HaarData(int n, long seed) {
        this.n = n;
        this.seed = seed;
    }

    @Override
    public int dimension() {
        return SpecialUnitary.rowLength(n);
    }

    @Override
    public INDArray batch(long iteration, int batchSize) {
        SplittableRandom rng = Noise.stream(seed, iteration, Noise.Purpose.DATA);
        double[] flat = new double[batchSize * dimension()];
        for (int i = 0; i < batchSize; i++) {
            System.arraycopy(SpecialUnitary.toRow(SpecialUnitary.haar(n, rng)), 0, flat, i * dimension(), dimension());
        }
        return Nd4j.create(flat, new long[] {batchSize, dimension()}, DataType.DOUBLE);
    }
}
