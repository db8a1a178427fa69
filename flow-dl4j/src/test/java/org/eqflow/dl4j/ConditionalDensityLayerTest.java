package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A conditional density layer ({@code contextSize(k)}, input {@code [x | c]}): the fused engine and DL4J's run of the
 * SameDiff graph give the same score, weight gradients and input gradient — zero in x, the score's gradient in the
 * context columns — so layers that compute the context from other inputs train, and are not named as untrained.
 */
class ConditionalDensityLayerTest {

    private static EquivariantDensityLayer.Builder layer() {
        return EquivariantDensityLayer.builder().nIn(3).contextSize(1).contextScaling(new double[] {0.2}, new double[] {0.6}).hidden(10)
                .symmetry("so2").kappa(1e-3).outputSamples(16).seed(7);
    }

    private static MultiLayerNetwork net(DataType dt) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(dt).updater(new Adam(3e-3))
                .list().layer(layer().build()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray rows(int n, long seed) {
        return Nd4j.create(Targets.parse("cring").sample(n, new SplittableRandom(seed)));
    }

    @Test
    void fusedAndGraphPathsGiveTheSameScoreWeightAndContextGradients() {
        INDArray x = rows(24, 1).castTo(DataType.DOUBLE);
        INDArray labels = new FlowNoise(layer().build(), 7).noise(24, 0);
        assertEquals(6, labels.columns(), "3·d noise columns, d = 2");
        MultiLayerNetwork fused = net(DataType.DOUBLE);
        Pair<Gradient, INDArray> a;
        MultiLayerNetwork graph;
        System.setProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY, "false");
        try {
            graph = net(DataType.DOUBLE);
            a = graph.calculateGradients(x, labels, null, null);
            assertTrue(!((DensityLayerImpl) graph.getLayer(0)).twin().usesFusedPath(), "the graph path");
        } finally {
            System.clearProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY);
        }
        Pair<Gradient, INDArray> b = fused.calculateGradients(x, labels, null, null);
        assertTrue(((DensityLayerImpl) fused.getLayer(0)).twin().usesFusedPath(), "the fused path");
        Map<String, INDArray> ga = a.getFirst().gradientForVariable();
        Map<String, INDArray> gb = b.getFirst().gradientForVariable();
        assertEquals(ga.keySet(), gb.keySet());
        assertTrue(ga.keySet().stream().anyMatch(n -> n.endsWith("V1")), "context weights: " + ga.keySet());
        for (String name : ga.keySet()) {
            double diff = ga.get(name).sub(gb.get(name)).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-9 * Math.max(1, ga.get(name).amaxNumber().doubleValue()), name + " differs by " + diff);
        }
        INDArray ea = a.getSecond();
        INDArray eb = b.getSecond();
        assertEquals(0.0, eb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)).amaxNumber().doubleValue(), "no gradient into x");
        assertEquals(0.0, ea.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)).amaxNumber().doubleValue(), "no gradient into x");
        INDArray ca = ea.get(NDArrayIndex.all(), NDArrayIndex.point(2));
        INDArray cb = eb.get(NDArrayIndex.all(), NDArrayIndex.point(2));
        assertTrue(ca.amaxNumber().doubleValue() > 1e-6, "the context gets a gradient");
        double diff = ca.sub(cb).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-9 * ca.amaxNumber().doubleValue(), "∂score/∂c differs by " + diff);
    }

    /**
     * A ComputationGraph: the context is computed by a dense layer from other features, merged after x; the density's
     * context gradient trains it, and trainableUpstream names only layers on x's path.
     */
    @Test
    void layersComputingTheContextTrain() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2))
                .optimizationAlgo(OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT).graphBuilder()
                .addInputs("x", "features")
                .addLayer("context", new DenseLayer.Builder().nOut(1).activation(Activation.TANH).build(), "features")
                .addLayer("xmap", new DenseLayer.Builder().nOut(2).activation(Activation.IDENTITY).build(), "x")
                .addVertex("xc", new MergeVertex(), "xmap", "context")
                .addLayer("density", EquivariantDensityLayer.builder().contextSize(1).hidden(10).symmetry("so2").seed(7).build(), "xc")
                .setOutputs("density").setInputTypes(InputType.feedForward(2), InputType.feedForward(3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.setListeners(new MultiplierListener());
        assertEquals(3, ((EquivariantDensityLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) g.getConfiguration().getVertices()
                .get("density")).getLayerConf().getLayer()).getDimension(), "nIn = d + k from the merge");
        FlowNoise noise = new FlowNoise(g, "density", 3);
        INDArray contextBefore = g.getLayer("context").params().dup();
        INDArray xmapBefore = g.getLayer("xmap").params().dup();
        for (int i = 0; i < 5; i++) {
            INDArray r = rows(32, i).castTo(DataType.FLOAT);
            INDArray x = r.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
            INDArray features = Nd4j.hstack(r.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 3)), Nd4j.rand(DataType.FLOAT, 32, 2));
            g.fit(new MultiDataSet(new INDArray[] {x, features}, new INDArray[] {noise.noise(32, i).castTo(DataType.FLOAT)}));
        }
        assertNotEquals(contextBefore, g.getLayer("context").params(), "the context layer trains by the density's gradient");
        assertEquals(xmapBefore, g.getLayer("xmap").params(), "a layer on x's path gets no gradient");
        assertEquals(List.of("layer 'xmap' (DenseLayer) before density layer 'density'"), DensityLayers.trainableUpstream(g));
        EquivariantHamiltonianFlow twin = DensityLayers.toFlow(g, "density");
        assertEquals(1, twin.config().contextSize());
        assertEquals(2, twin.dimension());
    }

    /** A conditional model trained with flow-core (context scaled per column, as eqflow train does) deploys in DL4J. */
    @Test
    void aFlowCoreConditionalModelDeploys() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(org.eqflow.core.FlowConfig.builder(2).symmetry("so2")
                .contextSize(1).contextScaling(List.of(-0.1), List.of(0.58)).hidden(8).seed(3).build());
        for (int i = 0; i < 3; i++) {
            model.trainStep(rows(64, i));
        }
        MultiLayerNetwork net = DensityLayers.toNetwork(model, new Adam(1e-3));
        INDArray r = rows(6, 12);
        INDArray out = DensityLayers.logDensity(net, r, 5);
        double[] expected = java.util.Arrays.stream(model.logDensity(r, 64, 5)).mapToDouble(e -> e.logDensity()).toArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out.getDouble(i, 0), 1e-4, "row " + i);
        }
    }

    @Test
    void configurationRoundTripsThroughJson() {
        MultiLayerNetwork net = net(DataType.FLOAT);
        String json = net.getLayerWiseConfigurations().toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        EquivariantDensityLayer l = (EquivariantDensityLayer) back.getConf(0).getLayer();
        assertEquals(1, l.getContextSize());
        assertEquals(2, l.flowDimension());
        assertEquals(List.of(0.6), l.getContextScale());
        assertEquals(net.getLayerWiseConfigurations().getConf(0).getLayer(), l);
        INDArray r = rows(5, 9);
        assertEquals(5, net.output(r).rows());
    }
}
