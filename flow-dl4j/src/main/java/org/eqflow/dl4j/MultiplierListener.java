package org.eqflow.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.eqflow.core.objective.LagrangeMultipliers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Updates the Lagrange multipliers of every {@link EquivariantDensityLayer} after each iteration, with the
 * rule of {@link LagrangeMultipliers}, writing them into the layer's {@code lambda} and {@code lambdaEma}
 * parameters (which no updater touches, and which {@code ModelSerializer} saves). At the first iteration it
 * also checks that everything upstream of a density layer is frozen or has no parameters.
 *
 * <p>{@code C_k} is measured on {@value #PENALTY_SAMPLES} fresh base samples, drawn from (layer seed,
 * iteration), by a flow-core twin of the layer whose variables are the layer's own parameter arrays: an
 * unbiased estimate of the same expectation the layer's score penalises, with no copying of weights.
 */
public final class MultiplierListener extends BaseTrainingListener {
    static final int PENALTY_SAMPLES = 1024;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MultiplierListener.class);
    private final java.util.Map<Layer, org.eqflow.core.EquivariantHamiltonianFlow> twins = new java.util.IdentityHashMap<>();
    private final int logEvery;
    private boolean checked;
    private double[] lastConstraints = new double[0];
    private double[] lastMultipliers = new double[0];

    /** Updates the multipliers silently. */
    public MultiplierListener() {
        this(0);
    }

    /** Also logs (SLF4J, INFO) the constraints and multipliers every {@code logEvery} iterations (0: never). */
    public MultiplierListener(int logEvery) {
        this.logEvery = logEvery;
    }

    /** {@code C_k} measured at the last iteration (of the last density layer updated). */
    public double[] lastConstraints() {
        return lastConstraints.clone();
    }

    /** {@code λ_k} after the last iteration's update. */
    public double[] lastMultipliers() {
        return lastMultipliers.clone();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Layer[] layers = layers(model);
        if (!checked) {
            DensityLayers.checkUpstreamFixed(layers);
            checked = true;
        }
        for (Layer l : layers) {
            if (!(l instanceof DensityLayerImpl impl)) {
                continue;
            }
            // The twin (built once per layer) also carries the validated configuration: nothing is re-parsed per iteration.
            org.eqflow.core.EquivariantHamiltonianFlow twin = twins.computeIfAbsent(l, k -> DensityLayers.toFlow(impl));
            if (twin.multipliers().length > 0) {
                DensityLayers.link(twin, impl);
                double[] c = twin.constraintViolations(PENALTY_SAMPLES, twin.config().seed() * 31 + iteration);
                LagrangeMultipliers m = new LagrangeMultipliers(c.length, twin.config().multiplierSettings());
                INDArray lambda = impl.getParam(EquivariantDensityLayer.LAMBDA);
                INDArray ema = impl.getParam(EquivariantDensityLayer.LAMBDA_EMA);
                m.restore(lambda.toDoubleVector(), ema.toDoubleVector());
                m.update(c);
                lambda.assign(Nd4j.create(m.values(), lambda.shape(), DataType.DOUBLE).castTo(lambda.dataType()));
                ema.assign(Nd4j.create(m.movingAverages(), ema.shape(), DataType.DOUBLE).castTo(ema.dataType()));
                lastConstraints = c;
                lastMultipliers = m.values();
                if (logEvery > 0 && (iteration + 1) % logEvery == 0) {
                    LOG.info("iteration {}: constraints {} multipliers {} (generators {})", iteration + 1,
                            java.util.Arrays.toString(c), java.util.Arrays.toString(m.values()), twin.generatorNames());
                }
            }
        }
    }

    private static Layer[] layers(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            return net.getLayers();
        }
        if (model instanceof ComputationGraph graph) {
            return graph.getLayers();
        }
        throw new IllegalArgumentException("MultiplierListener works with MultiLayerNetwork and ComputationGraph, not " + model.getClass());
    }
}
