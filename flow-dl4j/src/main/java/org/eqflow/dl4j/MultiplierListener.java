package org.eqflow.dl4j;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.eqflow.core.objective.LagrangeMultipliers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The multiplier rule of {@link EquivariantDensityLayer}s: after each iteration it updates every soft density
 * layer's Lagrange multipliers with the rule of {@link LagrangeMultipliers} (λ rises while {@code C_k > κ},
 * falls while {@code C_k < κ}), writing them into the layer's {@code lambda} and {@code lambdaEma} parameters
 * (which DL4J's updater never moves, and which {@code ModelSerializer} saves).
 *
 * <p>{@code C_k} is the batch's own value, computed with the iteration's score and gradients, so the rule
 * costs next to nothing. Where the layer trains through DL4J's run of its graph (a configuration the fused
 * engine does not support) it records none; then {@code C_k} is measured on {@value #PENALTY_SAMPLES} fresh base
 * samples drawn from (layer seed, iteration) by a flow-core twin that shares the layer's arrays.
 *
 * <p>At the first iteration it also logs, once, the trainable layers upstream of a density layer: the density
 * layer passes them no gradient, so only other heads train them.
 */
public final class MultiplierListener extends BaseTrainingListener {
    static final int PENALTY_SAMPLES = 1024;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MultiplierListener.class);
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

    /** {@code C_k} of the last iteration (of the last density layer updated). */
    public double[] lastConstraints() {
        return lastConstraints.clone();
    }

    /** {@code λ_k} after the last iteration's update. */
    public double[] lastMultipliers() {
        return lastMultipliers.clone();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (!checked) {
            checked = true;
            List<String> upstream = DensityLayers.trainableUpstream(model);
            if (!upstream.isEmpty()) {
                LOG.warn("{}: the density layer passes no gradient to the layers before it (a density of features has no "
                        + "Jacobian term for the layers that make them), so only other heads train these; freeze them "
                        + "(FrozenLayer, TransferLearning.Builder.setFeatureExtractor) if nothing else should", upstream);
            }
        }
        for (Layer l : layers(model)) {
            if (!(l instanceof DensityLayerImpl impl) || !impl.paramTable().containsKey(EquivariantDensityLayer.LAMBDA)) {
                continue;
            }
            org.eqflow.core.EquivariantHamiltonianFlow twin = impl.twin();
            double[] c = impl.takeBatchConstraints();
            if (c == null) {
                c = twin.constraintViolations(PENALTY_SAMPLES, twin.config().seed() * 31 + iteration);
            }
            LagrangeMultipliers m = new LagrangeMultipliers(c.length, twin.config().multiplierSettings());
            INDArray lambda = impl.getParam(EquivariantDensityLayer.LAMBDA);
            INDArray ema = impl.getParam(EquivariantDensityLayer.LAMBDA_EMA);
            m.restore(lambda.toDoubleVector(), ema.toDoubleVector());
            m.update(c);
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                lambda.assign(Nd4j.create(m.values(), lambda.shape(), DataType.DOUBLE).castTo(lambda.dataType()));
                ema.assign(Nd4j.create(m.movingAverages(), ema.shape(), DataType.DOUBLE).castTo(ema.dataType()));
            }
            lastConstraints = c;
            lastMultipliers = m.values();
            if (logEvery > 0 && (iteration + 1) % logEvery == 0) {
                LOG.info("iteration {}: constraints {} multipliers {} (generators {})", iteration + 1,
                        java.util.Arrays.toString(c), java.util.Arrays.toString(m.values()), twin.generatorNames());
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
