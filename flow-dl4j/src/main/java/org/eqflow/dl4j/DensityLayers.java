package org.eqflow.dl4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Working with a density head in a {@link MultiLayerNetwork} (by layer index) or a {@link ComputationGraph}
 * (by layer name): seeded log-densities of the network's input, the flow-core twin (same weights) for
 * sampling and analysis, the likelihood part of the score, and the layers upstream of the head that train.
 */
public final class DensityLayers {
    private DensityLayers() {
    }

    // ------------------------------------------------------------------ finding the layer

    /** The density layer at {@code layerIndex} of a network. */
    static DensityLayerImpl layer(MultiLayerNetwork net, int layerIndex) {
        if (layerIndex < 0 || layerIndex >= net.getnLayers()) {
            throw new IllegalArgumentException("the network has layers 0.." + (net.getnLayers() - 1) + ", not " + layerIndex);
        }
        return asDensity(net.getLayer(layerIndex), "layer " + layerIndex);
    }

    /** The density layer {@code name} of a computation graph. */
    static DensityLayerImpl layer(ComputationGraph graph, String name) {
        Layer l = graph.getLayer(name);
        if (l == null) {
            throw new IllegalArgumentException("the graph has no layer named '" + name + "' (its vertices: "
                    + graph.getConfiguration().getVertices().keySet() + ")");
        }
        return asDensity(l, "layer '" + name + "'");
    }

    private static DensityLayerImpl asDensity(Layer l, String what) {
        if (!(l instanceof DensityLayerImpl impl)) {
            throw new IllegalArgumentException(what + " is a " + l.getClass().getSimpleName() + ", not an equivariant density layer");
        }
        return impl;
    }

    /** The network's only density layer, or an error that says to name it. */
    private static DensityLayerImpl onlyDensityLayer(MultiLayerNetwork net) {
        List<DensityLayerImpl> found = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof DensityLayerImpl impl) {
                found.add(impl);
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException("the network has " + found.size() + " equivariant density layers; this helper needs exactly one");
        }
        return found.get(0);
    }

    // ------------------------------------------------------------------ log-densities

    /**
     * Per-example IWAE estimates of {@code log p(x)}, {@code [n, 1]}, for the network's input {@code x}
     * (through the layers before the head), drawn from {@code seed}: a function of model, input and seed.
     * {@code net.output(x)} gives the same with the layer's own seed.
     */
    public static INDArray logDensity(MultiLayerNetwork net, INDArray x, long seed) {
        return onlyDensityLayer(net).withSeed(seed, () -> net.output(x));
    }

    /** As {@link #logDensity(MultiLayerNetwork, INDArray, long)}, for the density layer {@code name} (an output) of a graph. */
    public static INDArray logDensity(ComputationGraph graph, String name, INDArray x, long seed) {
        int output = graph.getConfiguration().getNetworkOutputs().indexOf(name);
        if (output < 0) {
            throw new IllegalArgumentException("'" + name + "' is not an output of the graph (its outputs: "
                    + graph.getConfiguration().getNetworkOutputs() + ")");
        }
        return layer(graph, name).withSeed(seed, () -> graph.output(x)[output]);
    }

    // ------------------------------------------------------------------ the flow-core twin

    /**
     * The flow-core model with the layer's current weights and multipliers, in the layer's input space
     * (sampling, trajectories, energies, invariance error, {@code Evaluator}). A copy: training it does not
     * change the network.
     */
    public static EquivariantHamiltonianFlow toFlow(MultiLayerNetwork net, int layerIndex) {
        return toFlow(layer(net, layerIndex));
    }

    /** As {@link #toFlow(MultiLayerNetwork, int)}, for the density layer {@code name} of a graph. */
    public static EquivariantHamiltonianFlow toFlow(ComputationGraph graph, String name) {
        return toFlow(layer(graph, name));
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

    // ------------------------------------------------------------------ from flow-core to DL4J

    /**
     * A network whose only layer is the flow-core model, with its weights and multipliers: train with
     * flow-core (its fused engine and trainer), deploy in a DL4J pipeline. The network's data type is the
     * model's precision; {@code net.output(x)} then equals {@code model.logDensity(x, M, layer seed)}.
     *
     * @param model   a trained model (its potential must be flow-core's MLP)
     * @param updater the updater for further training in DL4J (Adam with the model's learning rate is the
     *                analogue of flow-core's)
     * @return an initialised network
     */
    public static MultiLayerNetwork toNetwork(EquivariantHamiltonianFlow model, org.nd4j.linalg.learning.config.IUpdater updater) {
        EquivariantDensityLayer layer = EquivariantDensityLayer.builder(model.config()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(model.config().seed()).dataType(model.dataType()).updater(updater).list().layer(layer).build());
        net.init();
        copyWeights(model, layer(net, 0));
        return net;
    }

    /**
     * Copies a flow-core model's weights and multipliers into a density layer of the same configuration.
     *
     * @param model      the source
     * @param net        a network holding the layer
     * @param layerIndex the layer's index
     */
    public static void copyWeights(EquivariantHamiltonianFlow model, MultiLayerNetwork net, int layerIndex) {
        copyWeights(model, layer(net, layerIndex));
    }

    /**
     * As {@link #copyWeights(EquivariantHamiltonianFlow, MultiLayerNetwork, int)}, into the density layer {@code name} of a graph.
     *
     * @param model the source
     * @param graph a graph holding the layer
     * @param name  the layer's name
     */
    public static void copyWeights(EquivariantHamiltonianFlow model, ComputationGraph graph, String name) {
        copyWeights(model, layer(graph, name));
    }

    private static void copyWeights(EquivariantHamiltonianFlow model, DensityLayerImpl impl) {
        Map<String, INDArray> from = model.parameters();
        for (Map.Entry<String, INDArray> e : impl.paramTable().entrySet()) {
            String name = e.getKey();
            INDArray target = e.getValue();
            if (EquivariantDensityLayer.isMultiplier(name)) {
                continue;
            }
            INDArray source = from.get(name);
            if (source == null || !java.util.Arrays.equals(source.shape(), target.shape())) {
                throw new IllegalArgumentException("the model's parameter " + name + " " + (source == null ? "is missing"
                        : java.util.Arrays.toString(source.shape())) + " does not fit the layer's " + java.util.Arrays.toString(target.shape())
                        + ": build the layer with EquivariantDensityLayer.builder(model.config())");
            }
            target.assign(source.castTo(target.dataType()));
        }
        if (from.size() != impl.paramTable().keySet().stream().filter(n -> !EquivariantDensityLayer.isMultiplier(n)).count()) {
            throw new IllegalArgumentException("the model has parameters " + from.keySet() + ", the layer " + impl.paramTable().keySet()
                    + ": build the layer with EquivariantDensityLayer.builder(model.config())");
        }
        if (impl.paramTable().containsKey(EquivariantDensityLayer.LAMBDA)) {
            double[] lambda = model.multipliers();
            INDArray target = impl.getParam(EquivariantDensityLayer.LAMBDA);
            if (lambda.length != target.length()) {
                throw new IllegalArgumentException("the model has " + lambda.length + " multipliers, the layer " + target.length());
            }
            target.assign(org.nd4j.linalg.factory.Nd4j.create(lambda, target.shape(), DataType.DOUBLE).castTo(target.dataType()));
            double[] ema = model.state().multiplierAverages();
            INDArray targetEma = impl.getParam(EquivariantDensityLayer.LAMBDA_EMA);
            targetEma.assign(org.nd4j.linalg.factory.Nd4j.create(ema, targetEma.shape(), DataType.DOUBLE).castTo(targetEma.dataType()));
        }
    }

    /** Makes the twin's variables <em>be</em> the layer's current parameter arrays (no copy). */
    static void link(EquivariantHamiltonianFlow twin, DensityLayerImpl impl) {
        for (String name : twin.parameterNames()) {
            INDArray a = impl.getParam(name);
            if (twin.graph().getVariable(name).getArr() != a) {
                twin.graph().associateArrayWithVariable(a, name);
            }
        }
    }

    /**
     * {@code −mean ELBO} of points {@code x} of the layer's input space (nats per point, one encoder sample per
     * point, seeded): the likelihood part of the score, reported apart from the moving Lagrangian DL4J minimises.
     */
    public static double negativeElbo(MultiLayerNetwork net, int layerIndex, INDArray x, long seed) {
        return negativeElbo(toFlow(net, layerIndex), x, seed);
    }

    /** As {@link #negativeElbo(MultiLayerNetwork, int, INDArray, long)}, for the density layer {@code name} of a graph. */
    public static double negativeElbo(ComputationGraph graph, String name, INDArray x, long seed) {
        return negativeElbo(toFlow(graph, name), x, seed);
    }

    private static double negativeElbo(EquivariantHamiltonianFlow flow, INDArray x, long seed) {
        double[] elbo = flow.elbo(x, seed);
        double sum = 0;
        for (double v : elbo) {
            sum += v;
        }
        return -sum / elbo.length;
    }

    /** {@code n} samples of the density layer's input, drawn through its flow-core twin from {@code seed}. */
    public static INDArray sample(MultiLayerNetwork net, int layerIndex, int n, long seed) {
        return toFlow(net, layerIndex).sample(n, seed);
    }

    /** As {@link #sample(MultiLayerNetwork, int, int, long)}, for the density layer {@code name} of a graph. */
    public static INDArray sample(ComputationGraph graph, String name, int n, long seed) {
        return toFlow(graph, name).sample(n, seed);
    }

    /** Random group elements besides the identity in {@link #invarianceError}. */
    public static final int INVARIANCE_ELEMENTS = 8;
    /** Importance samples per estimate in {@link #invarianceError}. */
    public static final int INVARIANCE_SAMPLES = 64;

    /**
     * The invariance error of the layer's density at points {@code x} of its input space: the mean over points
     * of the spread (max − min, nats) of {@code log p(g x)} over the identity and {@value #INVARIANCE_ELEMENTS}
     * random elements g of the symmetry's group, each estimated with {@value #INVARIANCE_SAMPLES} importance
     * samples from {@code seed} (the same measure as {@code eqflow eval}). 0 for an exactly invariant density,
     * up to the estimates' noise.
     *
     * @param net        the network
     * @param layerIndex the density layer's index
     * @param x          points of the layer's input space {@code [n, d]}
     * @param seed       seed of the group elements and the estimates
     * @return the mean spread in nats
     */
    public static double invarianceError(MultiLayerNetwork net, int layerIndex, INDArray x, long seed) {
        return invarianceError(toFlow(net, layerIndex), x, seed);
    }

    /**
     * As {@link #invarianceError(MultiLayerNetwork, int, INDArray, long)}, for the density layer {@code name} of a graph.
     *
     * @param graph the graph
     * @param name  the density layer's name
     * @param x     points of the layer's input space {@code [n, d]}
     * @param seed  seed of the group elements and the estimates
     * @return the mean spread in nats
     */
    public static double invarianceError(ComputationGraph graph, String name, INDArray x, long seed) {
        return invarianceError(toFlow(graph, name), x, seed);
    }

    private static double invarianceError(EquivariantHamiltonianFlow flow, INDArray x, long seed) {
        org.eqflow.core.symmetry.Symmetry symmetry = flow.parts().symmetry().orElseThrow(() -> new IllegalArgumentException(
                "the density layer has no symmetry: give it one with symmetry(spec)"));
        return org.eqflow.core.eval.TransportedIwae.invarianceError(flow, symmetry, x, INVARIANCE_ELEMENTS, INVARIANCE_SAMPLES, seed);
    }

    // ------------------------------------------------------------------ upstream layers

    /**
     * The layers with trainable parameters upstream of a density layer's modelled coordinates (in a graph: its
     * ancestors, not the layers of other branches), as {@code "name (Type) before density layer name"}. The density layer
     * passes no gradient to them (it has no Jacobian term for the layers that make its features), so they are
     * trained only by other heads; a network whose only head is the density layer leaves them as they are. Layers that
     * feed only a conditional layer's context (the later inputs of a {@code MergeVertex(x, context)} before it) get the
     * score's gradient and are not named.
     */
    public static List<String> trainableUpstream(Model model) {
        List<String> out = new ArrayList<>();
        if (model instanceof MultiLayerNetwork net) {
            Layer[] layers = net.getLayers();
            for (int i = 0; i < layers.length; i++) {
                if (layers[i] instanceof DensityLayerImpl) {
                    for (int j = 0; j < i; j++) {
                        if (trains(layers[j])) {
                            out.add("layer " + j + " (" + layers[j].getClass().getSimpleName() + ") before density layer " + i);
                        }
                    }
                }
            }
        } else if (model instanceof ComputationGraph graph) {
            Map<String, List<String>> inputs = graph.getConfiguration().getVertexInputs();
            for (Layer l : graph.getLayers()) {
                if (!(l instanceof DensityLayerImpl)) {
                    continue;
                }
                String head = l.conf().getLayer().getLayerName();
                for (String up : feedingX(graph, head, (EquivariantDensityLayer) l.conf().getLayer(), inputs)) {
                    Layer u = graph.getLayer(up);
                    if (u != null && trains(u)) {
                        out.add("layer '" + up + "' (" + u.getClass().getSimpleName() + ") before density layer '" + head + "'");
                    }
                }
            }
        }
        return out;
    }

    /**
     * The vertices whose output reaches the density layer's modelled coordinates x: every ancestor, except that a
     * conditional layer fed by a {@code MergeVertex(x, context…)} gets its context from the merge's later inputs — layers
     * feeding only those are trained by the density's context gradient and are not named.
     */
    private static Set<String> feedingX(ComputationGraph graph, String head, EquivariantDensityLayer conf, Map<String, List<String>> inputs) {
        List<String> direct = inputs.getOrDefault(head, List.of());
        if (conf.getContextSize() > 0 && direct.size() == 1
                && graph.getConfiguration().getVertices().get(direct.get(0)) instanceof org.deeplearning4j.nn.conf.graph.MergeVertex) {
            List<String> merged = inputs.getOrDefault(direct.get(0), List.of());
            if (merged.size() >= 2) {
                Set<String> x = new LinkedHashSet<>();
                x.add(merged.get(0));
                x.addAll(ancestors(merged.get(0), inputs));
                return x;
            }
        }
        return ancestors(head, inputs);
    }

    private static boolean trains(Layer l) {
        return l.numParams() > 0 && !(l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop);
    }

    private static Set<String> ancestors(String vertex, Map<String, List<String>> inputs) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(inputs.getOrDefault(vertex, List.of()));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(inputs.getOrDefault(v, List.of()));
            }
        }
        return seen;
    }
}
