package org.eqflow.core.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.model.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The optimiser of a {@link DensityModel}: Adam ({@link AdamUpdate}) with global gradient-norm clipping, a
 * learning-rate schedule factor, and skip-and-halve: an update whose objective, gradient or resulting
 * weights are not finite changes nothing, halves the base learning rate and is reported as skipped; after
 * {@value #MAX_CONSECUTIVE_SKIPS} in a row a {@link TrainingDivergedException} is thrown. After an applied
 * update the model is told ({@link DensityModel#accept}), e.g. to move its Lagrange multipliers.
 *
 * <p>It keeps Adam's moments per parameter ({@code [1, 2n]}, {@code [m | v]}, the parameter's type), the
 * iteration, the base learning rate and the count of consecutive skips: everything a saved model needs to
 * continue exactly.
 */
public final class Optimizer {
    /** Non-finite updates in a row after which training stops. */
    public static final int MAX_CONSECUTIVE_SKIPS = 3;

    private final AdamUpdate adam = new AdamUpdate();
    private final Map<String, INDArray> moments = new LinkedHashMap<>();
    private double learningRate;
    private double learningRateScale = 1.0;
    private double clipNorm;
    private long iteration;
    private int consecutiveSkips;

    /** What one update did. */
    public record Update(long iteration, Objective objective, double gradientNorm, boolean skipped, double learningRate) {
    }

    /**
     * @param parameters  the model's parameters (moments of the same shapes and types start at zero)
     * @param clipNorm    global gradient-norm threshold, 0 for none
     */
    public Optimizer(Map<String, INDArray> parameters, double learningRate, double clipNorm) {
        parameters.forEach((name, p) -> moments.put(name, Nd4j.zeros(p.dataType(), 1, 2 * p.length())));
        this.learningRate = learningRate;
        this.clipNorm = clipNorm;
    }

    /**
     * One update of {@code model} on a batch, with the randomness of the current iteration.
     *
     * @throws TrainingDivergedException after {@value #MAX_CONSECUTIVE_SKIPS} non-finite updates in a row
     */
    public Update step(DensityModel model, INDArray batch) {
        return apply(model, model.objective(batch, iteration));
    }

    /**
     * One update of {@code model} with an objective evaluated elsewhere at the current {@link #iteration()} (for
     * example summed over the partitions of a cluster): the same update {@link #step} makes from the same objective.
     *
     * @throws TrainingDivergedException after {@value #MAX_CONSECUTIVE_SKIPS} non-finite updates in a row
     */
    public Update apply(DensityModel model, Objective o) {
        long t = iteration;
        double sq = 0;
        for (double[] g : o.gradients().values()) {
            for (double v : g) {
                sq += v * v;
            }
        }
        double gradNorm = Math.sqrt(sq);
        iteration++;
        boolean finite = Double.isFinite(o.loss()) && Double.isFinite(gradNorm);
        double clip = clipNorm > 0 && gradNorm > clipNorm ? clipNorm / gradNorm : 1.0;
        Map<String, INDArray> params = model.parameters();
        if (finite) {
            // Stage every update first: the weights and moments are kept only if all of them stay finite.
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                finite &= adam.stage(e.getKey(), e.getValue(), moments.get(e.getKey()), o.gradients().get(e.getKey()), clip,
                        learningRate * learningRateScale, t);
            }
        }
        if (!finite) {
            consecutiveSkips++;
            learningRate /= 2;
            if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
                throw new TrainingDivergedException("training diverged: the loss, its gradient or the updated weights were "
                        + "not finite " + consecutiveSkips + " steps in a row (last at iteration " + t + ", learning rate now "
                        + learningRate + "); resume from the last checkpoint with a lower --lr or with --clip-norm");
            }
            return new Update(t, o, gradNorm, true, learningRate * learningRateScale);
        }
        consecutiveSkips = 0;
        params.forEach((name, p) -> adam.commit(name, p, moments.get(name)));
        model.accept(o);
        return new Update(t, o, gradNorm, false, learningRate * learningRateScale);
    }

    /** Adam's moments per parameter, {@code [1, 2n]} each (live arrays). */
    public Map<String, INDArray> moments() {
        return moments;
    }

    /** The number of updates made (skipped ones included): the next update's index. */
    public long iteration() {
        return iteration;
    }

    /** The base learning rate (halved by each skipped update; the schedule factor applies on top). */
    public double learningRate() {
        return learningRate;
    }

    /** The number of skipped steps (non-finite loss, gradient or weights) in a row so far. */
    public int consecutiveSkips() {
        return consecutiveSkips;
    }

    /** Continues from a saved state. */
    public void restore(long iteration, double learningRate, int consecutiveSkips) {
        this.iteration = iteration;
        this.learningRate = learningRate;
        this.consecutiveSkips = consecutiveSkips;
    }

    /** Continues with another base learning rate and clipping threshold; the moments are kept. */
    public void override(double learningRate, double clipNorm) {
        this.learningRate = learningRate;
        this.clipNorm = clipNorm;
    }

    /**
     * Scales the learning rate of the following updates (a schedule, set before each step); the base rate,
     * which a skipped update halves, is what a saved state keeps.
     */
    public void setLearningRateScale(double scale) {
        if (!(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the learning-rate scale must be finite and >= 0, got " + scale);
        }
        this.learningRateScale = scale;
    }
}
