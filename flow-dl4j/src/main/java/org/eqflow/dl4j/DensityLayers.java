package org.eqflow.dl4j;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Working with a trained density head: its flow-core twin (same weights) for sampling and analysis,
 * seeded log-density estimates, and the upstream check.
 */
public final class DensityLayers {
    private DensityLayers() {
    }

    /**
     * The flow-core model with the layer's current weights and multipliers, in the layer's input space.
     * The twin is a copy: training it does not change the network.
     */
    public static EquivariantHamiltonianFlow toFlow(MultiLayerNetwork net, int layerIndex) {
        Layer layer = net.getLayer(layerIndex);
        if (!(layer instanceof DensityLayerImpl impl)) {
            throw new IllegalArgumentException("layer " + layerIndex + " is a " + layer.getClass().getSimpleName()
                    + ", not an equivariant density layer");
        }
        return toFlow(impl);
    }

    /** The flow-core twin of a density layer, with a copy of its weights. */
    static EquivariantHamiltonianFlow toFlow(DensityLayerImpl impl) {
        EquivariantDensityLayer conf = (EquivariantDensityLayer) impl.layerConf();
        FlowConfig config = conf.flowConfig(impl.params().dataType());
        Map<String, ModelState.NamedArray> params = new LinkedHashMap<>();
        Map<String, ModelState.NamedArray> optimizer = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : impl.paramTable().entrySet()) {
            if (EquivariantDensityLayer.isMultiplier(e.getKey())) {
                continue;
            }
            INDArray a = e.getValue().castTo(DataType.DOUBLE).dup('c');
            params.put(e.getKey(), new ModelState.NamedArray(a.shape(), a.data().asDouble()));
            optimizer.put(e.getKey(), new ModelState.NamedArray(new long[] {1, 2 * a.length()}, new double[(int) (2 * a.length())]));
        }
        int g = conf.multiplierCount();
        double[] lambda = g > 0 ? impl.getParam(EquivariantDensityLayer.LAMBDA).toDoubleVector() : new double[0];
        double[] ema = g > 0 ? impl.getParam(EquivariantDensityLayer.LAMBDA_EMA).toDoubleVector() : new double[0];
        return EquivariantHamiltonianFlow.restore(new ModelState(config, params, optimizer, 0, config.learningRate(), 0, lambda, ema));
    }

    /** Makes the twin's variables <em>be</em> the layer's current parameter arrays (no copy). */
    static void link(EquivariantHamiltonianFlow twin, DensityLayerImpl impl) {
        for (String name : twin.parameterNames()) {
            twin.graph().associateArrayWithVariable(impl.getParam(name), name);
        }
    }

    /** Per-example IWAE estimates of {@code log p(x)} from {@code net.output}, with ND4J's generator seeded first. */
    public static INDArray logDensity(MultiLayerNetwork net, INDArray x, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return net.output(x);
    }

    /**
     * {@code −mean ELBO} of {@code x} under the layer (nats per point, one encoder sample per point, seeded):
     * the likelihood part of the score, reported apart from the moving Lagrangian DL4J minimises.
     */
    public static double negativeElbo(MultiLayerNetwork net, int layerIndex, INDArray x, long seed) {
        double[] elbo = toFlow(net, layerIndex).elbo(x, seed);
        double sum = 0;
        for (double v : elbo) {
            sum += v;
        }
        return -sum / elbo.length;
    }

    /** {@code n} samples of the density layer's input, drawn through its flow-core twin. */
    public static INDArray sample(MultiLayerNetwork net, int layerIndex, int n, long seed) {
        return toFlow(net, layerIndex).sample(n, seed);
    }

    /**
     * Throws if a layer upstream of a density layer has trainable parameters: the density has no Jacobian
     * term for them, so training them would shrink the features and inflate {@code log p} without bound.
     * Freeze them ({@code FrozenLayer}, {@code TransferLearning.setFeatureExtractor}) or use fixed preprocessing.
     */
    public static void checkUpstreamFixed(Layer[] layers) {
        for (int i = 0; i < layers.length; i++) {
            if (!(layers[i] instanceof DensityLayerImpl)) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                Layer up = layers[j];
                boolean frozen = up instanceof FrozenLayer || up instanceof FrozenLayerWithBackprop;
                if (up.numParams() > 0 && !frozen) {
                    throw new IllegalStateException("layer " + j + " (" + up.getClass().getSimpleName() + ") before the density layer "
                            + i + " has trainable parameters; the density has no Jacobian term for them, so training would shrink "
                            + "its features and inflate log p without bound. Freeze it (FrozenLayer, or "
                            + "TransferLearning.Builder.setFeatureExtractor) or use fixed preprocessing.");
                }
            }
        }
    }
}
