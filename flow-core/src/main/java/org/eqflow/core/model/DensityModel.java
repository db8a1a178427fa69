package org.eqflow.core.model;

import java.util.Map;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the trainer, the evaluator and the optimiser need of a density model on {@code R^d}: log-densities
 * (exact, or estimated with a standard error), samples, a training objective with the gradient of every
 * parameter, and the parameters themselves. {@code EquivariantHamiltonianFlow} is the first implementation;
 * another flow family implements this and trains, evaluates and samples through the same code
 * ({@code train.Trainer}, {@code eval.Evaluator}, {@code optim.Optimizer}).
 *
 * <p>All methods taking or returning points work in the data's own units.
 */
public interface DensityModel {

    /** The data dimension {@code d}. */
    int dimension();

    /**
     * The columns of a row this model scores: {@code d}, or for a conditional density {@code p(x | c)} the {@code d}
     * coordinates followed by the {@code k} context values.
     */
    default int rowWidth() {
        return dimension();
    }

    /** The precision of the parameters (and of the arrays this model returns). */
    DataType dataType();

    /**
     * {@code log p(x)} of each row: exact (standard error 0) or an importance-sampling estimate with
     * {@code samples} samples and its Monte Carlo standard error. Seeded: the same call gives the same numbers.
     */
    Iwae.Estimate[] logDensity(INDArray x, int samples, long seed);

    /** A one-sample lower bound of {@code log p(x)} per row (the exact value where the density is exact). */
    double[] elbo(INDArray x, long seed);

    /** {@code n} samples, {@code [n, d]}. */
    INDArray sample(int n, long seed);

    /**
     * The training objective (to be minimised) at a batch, its parts and the gradient of every parameter,
     * with the randomness of the given iteration.
     */
    Objective objective(INDArray batch, long iteration);

    /** The trainable parameters by name, in a fixed order: the live arrays an optimiser updates in place. */
    Map<String, INDArray> parameters();

    /** Called after an update computed from {@code objective} was applied (e.g. a Lagrange multiplier rule). */
    void accept(Objective objective);

    /** Which engine computes the model, for the log (e.g. {@code fused}, or {@code graph (<why>)}). */
    String engineDescription();
}
