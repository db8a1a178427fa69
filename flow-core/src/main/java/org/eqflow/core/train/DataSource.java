package org.eqflow.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where training batches come from. The batch of iteration {@code t} is a pure function of
 * {@code (seed, t)}, so a run resumed at {@code t} sees exactly the batches the uninterrupted run saw.
 */
public interface DataSource {

    /** The batch for optimiser update {@code iteration}, {@code [≤ batchSize, d]}, in data units. */
    INDArray batch(long iteration, int batchSize);

    /** The data dimension. */
    int dimension();
}
