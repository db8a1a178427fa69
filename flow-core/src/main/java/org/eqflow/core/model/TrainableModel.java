package org.eqflow.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link DensityModel} that owns its optimiser: what {@code train.Trainer} drives. Each family keeps its
 * optimiser state (Adam moments, iteration, any multipliers) with its weights, so that a saved model continues
 * exactly.
 */
public interface TrainableModel extends DensityModel {

    /** The number of updates made so far: the next update's index. */
    long iteration();

    /**
     * The columns of a training batch: {@link #dimension()} for data points; a model trained from an energy takes
     * base draws instead (the Hamiltonian flow's {@code 2d}).
     */
    default int batchDimension() {
        return dimension();
    }

    /** One optimiser update on a batch of data points {@code [B, d]} (data units), or of base draws (see {@link #batchDimension()}). */
    TrainStep trainStep(INDArray batch);

    /** Scales the learning rate of the following updates (a schedule, set before each step). */
    void setLearningRateScale(double scale);

    /** The family's name, as model files and logs give it (e.g. {@code hamiltonian}, {@code residual}). */
    String family();

    /**
     * Updates before which validation may not judge a run (no learning-rate halving, no early stop; the best
     * model is still kept): how long the family can sit on its initial fit before it starts to learn. 0 by
     * default; the Hamiltonian flow with free MLP energies says more (docs/maths.md, "Stopping").
     */
    default long warmupIterations() {
        return 0;
    }
}
