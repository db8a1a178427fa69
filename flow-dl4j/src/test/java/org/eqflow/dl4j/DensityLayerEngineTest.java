package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.eval.TransportedIwae;
import org.eqflow.core.model.Objective;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The layer trains on flow-core's engine (equal to its SameDiff graph), gives seeded and repeatable outputs
 * (also in another JVM), drives its multipliers from the batch's own constraints, and keeps the symmetry.
 */
class DensityLayerEngineTest {
    @TempDir
    Path dir;

    private static EquivariantDensityLayer.Builder layer() {
        return EquivariantDensityLayer.builder().nIn(2).hidden(12).symmetry("so2").kappa(1e-3).outputSamples(16).seed(7);
    }

    private static MultiLayerNetwork net(EquivariantDensityLayer layer, DataType dt) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(dt).updater(new Adam(3e-3))
                .list().layer(layer).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray ring(int n, long seed) {
        return Nd4j.create(Targets.parse("ring").sample(n, new SplittableRandom(seed)));
    }

    static String format(INDArray... columns) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns[0].rows(); i++) {
            for (int c = 0; c < columns.length; c++) {
                sb.append(c == 0 ? "" : ",").append(columns[c].getDouble(i, 0));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The fused engine's score and gradients equal DL4J's run of the layer's SameDiff graph (float64). */
    @Test
    void fusedPathEqualsTheGraph() {
        INDArray x = ring(32, 1).castTo(DataType.DOUBLE);
        INDArray labels = new FlowNoise(layer().build(), 7).noise(32, 0);
        MultiLayerNetwork fused = net(layer().build(), DataType.DOUBLE);
        MultiLayerNetwork graph;
        System.setProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY, "false");
        try {
            graph = net(layer().build(), DataType.DOUBLE);
            graph.setInput(x);
            graph.setLabels(labels);
            graph.computeGradientAndScore();
            assertTrue(!((DensityLayerImpl) graph.getLayer(0)).twin().usesFusedPath(), "the graph path");
        } finally {
            System.clearProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY);
        }
        fused.setInput(x);
        fused.setLabels(labels);
        fused.computeGradientAndScore();
        assertTrue(((DensityLayerImpl) fused.getLayer(0)).twin().usesFusedPath(), "the fused path");
        assertEquals(graph.score(), fused.score(), 1e-10 * Math.abs(graph.score()));
        Map<String, INDArray> a = graph.gradient().gradientForVariable();
        Map<String, INDArray> b = fused.gradient().gradientForVariable();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            double diff = a.get(name).sub(b.get(name)).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-9 * Math.max(1, a.get(name).amaxNumber().doubleValue()), name + " differs by " + diff);
        }
        // A score asked for again (not right after the gradients) is computed afresh, and is the same.
        assertEquals(fused.score(new DataSet(x, labels)), fused.score(), 1e-12 * Math.abs(fused.score()));
    }

    /** output() and DensityLayers.logDensity are functions of (model, input, seed); scoreExamples is −log p. */
    @Test
    void outputIsSeededAndRepeatable() {
        MultiLayerNetwork net = net(layer().build(), DataType.DOUBLE);
        INDArray x = ring(20, 3).castTo(DataType.DOUBLE);
        INDArray first = net.output(x);
        Nd4j.getRandom().setSeed(99);   // ND4J's generator plays no part
        assertEquals(first, net.output(x));
        INDArray seeded = DensityLayers.logDensity(net, x, 5);
        assertEquals(seeded, DensityLayers.logDensity(net, x, 5));
        assertNotEquals(seeded, DensityLayers.logDensity(net, x, 6));
        EquivariantHamiltonianFlow twin = DensityLayers.toFlow(net, 0);
        double[] direct = java.util.Arrays.stream(twin.logDensity(x, 16, 5))
                .mapToDouble(org.eqflow.core.objective.Iwae.Estimate::logDensity).toArray();
        assertEquals(Nd4j.create(direct, new long[] {20, 1}, DataType.DOUBLE), seeded);
        INDArray scores = net.scoreExamples(new DataSet(x, new FlowNoise(net, 1).noise(20, 0)), false);
        assertEquals(first.neg(), scores, "scoreExamples gives −log p per example");
    }

    /** The same restored model gives bit-identical outputs in another JVM. */
    @Test
    void outputsAreIdenticalInAnotherJvm() throws Exception {
        MultiLayerNetwork net = net(layer().build(), DataType.DOUBLE);
        net.setListeners(new MultiplierListener());
        FlowNoise noise = new FlowNoise(net, 2);
        for (int i = 0; i < 3; i++) {
            DataSet ds = new DataSet(ring(64, 10 + i).castTo(DataType.DOUBLE), null);
            noise.preProcess(ds);
            net.fit(ds);
        }
        File model = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, model, true);
        INDArray x = ring(12, 4).castTo(DataType.DOUBLE);
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < x.rows(); i++) {
            csv.append(x.getDouble(i, 0)).append(',').append(x.getDouble(i, 1)).append('\n');
        }
        Files.writeString(dir.resolve("x.csv"), csv);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(model, true);
        String here = format(restored.output(x), DensityLayers.logDensity(restored, x, 3));
        assertEquals(format(net.output(x), DensityLayers.logDensity(net, x, 3)), here, "after restore");

        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                ForkedOutput.class.getName(), model.toString(), dir.resolve("x.csv").toString(), dir.resolve("out.csv").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("fork.log").toFile()).start();
        assertEquals(0, p.waitFor(), () -> "forked JVM failed: " + read(dir.resolve("fork.log")));
        assertEquals(here, Files.readString(dir.resolve("out.csv")), "another JVM");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /**
     * The multiplier rule reads the C of the batch the score was computed on (no extra pass); a soft layer
     * trained without the rule notices it.
     */
    @Test
    void multipliersFollowTheBatchConstraints() {
        MultiLayerNetwork net = net(layer().build(), DataType.DOUBLE);
        MultiplierListener rule = new MultiplierListener();
        net.setListeners(rule);
        FlowNoise noise = new FlowNoise(net, 4);
        DataSet ds = new DataSet(ring(64, 1).castTo(DataType.DOUBLE), null);
        noise.preProcess(ds);
        DensityLayerImpl impl = (DensityLayerImpl) net.getLayer(0);
        double[] lambda = impl.getParam(EquivariantDensityLayer.LAMBDA).toDoubleVector();
        Objective o = DensityLayers.toFlow(net, 0).objective(ds.getFeatures(), ds.getLabels().getColumns(0, 1),
                ds.getLabels().getColumns(2, 3), ds.getLabels().getColumns(4, 5), lambda);
        net.fit(ds);
        assertEquals(o.constraints()[0], rule.lastConstraints()[0], 1e-12, "the batch's own C");

        MultiLayerNetwork bare = net(layer().build(), DataType.DOUBLE);
        DataSet again = new DataSet(ring(64, 2).castTo(DataType.DOUBLE), null);
        new FlowNoise(bare, 4).preProcess(again);
        bare.fit(again);
        assertTrue(!((DensityLayerImpl) bare.getLayer(0)).warnedAboutMissingRule(), "one fit: not yet");
        bare.fit(again);
        assertTrue(((DensityLayerImpl) bare.getLayer(0)).warnedAboutMissingRule(), "a second fit without the rule warns");
    }

    /**
     * Train with flow-core, deploy in DL4J: the network built from a model (with a centre and a scale) gives
     * the model's log-densities and loss on both of the layer's engines, and JSON keeps the centre and scale.
     */
    @Test
    void flowCoreModelDeploysInDl4j() {
        // the layer's score is the ELBO (one draw per example), so the model's loss is compared at K = 1
        FlowConfig config = FlowConfig.builder(2).hidden(12).symmetry("so2").precision(FlowConfig.Precision.FLOAT64).seed(5)
                .centre(List.of(1.0, -2.0)).scale(2.0).trainingSamples(1).build();
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(config);
        INDArray shift = Nd4j.createFromArray(1.0, -2.0).reshape(1, 2);
        for (int i = 0; i < 20; i++) {
            model.trainStep(ring(64, 40 + i).castTo(DataType.DOUBLE).muli(2).addiRowVector(shift));
        }
        INDArray x = ring(10, 8).castTo(DataType.DOUBLE).muli(2).addiRowVector(shift);
        INDArray labels = new FlowNoise(2, config.base(), config.seed()).noise(10, 3);
        double[] expected = java.util.Arrays.stream(model.logDensity(x, 64, config.seed()))
                .mapToDouble(org.eqflow.core.objective.Iwae.Estimate::logDensity).toArray();
        for (boolean fused : new boolean[] {true, false}) {
            if (!fused) {
                System.setProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY, "false");
            }
            try {
                MultiLayerNetwork net = DensityLayers.toNetwork(model, new Adam(1e-3));
                assertEquals(Nd4j.create(expected, new long[] {10, 1}, DataType.DOUBLE), net.output(x), "log p, fused " + fused);
                double score = net.score(new DataSet(x, labels));
                assertEquals(model.loss(x, 3), score, 1e-10 * Math.abs(score), "the loss, fused " + fused);
                assertEquals(fused, ((DensityLayerImpl) net.getLayer(0)).twin().usesFusedPath());
                MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
                EquivariantDensityLayer layer = (EquivariantDensityLayer) back.getConf(0).getLayer();
                assertEquals(List.of(1.0, -2.0), layer.getCentre());
                assertEquals(2.0, layer.getScale());
            } finally {
                System.clearProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY);
            }
        }
    }

    /** On the ring, the soft layer's invariance error is at most half the unconstrained layer's. */
    @Test
    void softConstraintHalvesTheInvarianceError() {
        double soft = invarianceErrorAfterTraining("soft");
        double none = invarianceErrorAfterTraining("none");
        assertTrue(soft <= 0.5 * none, "invariance error soft " + soft + " none " + none);
    }

    private double invarianceErrorAfterTraining(String constraint) {
        // 300 updates: a multiplier rule four times faster than the default (0.005), so that λ reaches its working range
        EquivariantDensityLayer l = EquivariantDensityLayer.builder().nIn(2).hidden(16).symmetry("so2").constraint(constraint)
                .multiplierRate(0.02).seed(7).build();
        MultiLayerNetwork net = net(l, DataType.FLOAT);
        net.setListeners(new MultiplierListener());
        FlowNoise noise = new FlowNoise(net, 5);
        for (int i = 0; i < ITERATIONS; i++) {
            DataSet ds = new DataSet(ring(128, 1000 + i).castTo(DataType.FLOAT), null);
            noise.preProcess(ds);
            net.fit(ds);
        }
        EquivariantHamiltonianFlow twin = DensityLayers.toFlow(net, 0);
        double err = TransportedIwae.invarianceError(twin, twin.parts().symmetry().orElseThrow(), ring(200, 77), 8, 64, 3);
        System.out.println(constraint + " invariance error " + err);
        return err;
    }

    static final int ITERATIONS = Integer.getInteger("eqflow.test.iterations", 300);

    /**
     * A multi-task graph: a trainable shared layer feeds a regression head and the density head. The graph
     * trains (nothing refused), the density passes no gradient upstream, and every helper takes the graph and
     * the layer's name.
     */
    @Test
    void multiTaskComputationGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2)).graphBuilder()
                .addInputs("x")
                .addLayer("shared", new DenseLayer.Builder().nOut(2).activation(Activation.TANH).build(), "x")
                .addLayer("regression", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                        .activation(Activation.IDENTITY).build(), "shared")
                .addLayer("density", EquivariantDensityLayer.builder().hidden(8).symmetry("so2").seed(7).build(), "shared")
                .setOutputs("regression", "density").setInputTypes(InputType.feedForward(2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.setListeners(new MultiplierListener());
        FlowNoise noise = new FlowNoise(g, "density", 3);
        INDArray sharedBefore = g.getLayer("shared").params().dup();
        for (int i = 0; i < 5; i++) {
            INDArray x = ring(32, i).castTo(DataType.FLOAT);
            INDArray y = x.norm2(1).reshape(32, 1);
            g.fit(new MultiDataSet(new INDArray[] {x}, new INDArray[] {y, noise.noise(32, i).castTo(DataType.FLOAT)}));
        }
        assertNotEquals(sharedBefore, g.getLayer("shared").params(), "the regression head trains the shared layer");
        assertEquals(List.of("layer 'shared' (DenseLayer) before density layer 'density'"), DensityLayers.trainableUpstream(g));
        INDArray x = ring(6, 9).castTo(DataType.FLOAT);
        INDArray a = DensityLayers.logDensity(g, "density", x, 11);
        assertEquals(a, DensityLayers.logDensity(g, "density", x, 11));
        assertEquals(g.output(x)[1].rows(), 6);
        INDArray features = g.feedForward(x, false).get("shared");
        double[] twin = java.util.Arrays.stream(DensityLayers.toFlow(g, "density").logDensity(features, 64, 11))
                .mapToDouble(org.eqflow.core.objective.Iwae.Estimate::logDensity).toArray();
        assertEquals(twin[0], a.getDouble(0, 0), 1e-5, "the density of the shared layer's features");
        assertEquals(2, DensityLayers.sample(g, "density", 2, 1).columns());
        assertTrue(Double.isFinite(DensityLayers.negativeElbo(g, "density", features, 1)));
        double nll = new DensityScoreCalculator<ComputationGraph>(
                new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(new DataSet(x, null)), "density", 11).calculateScore(g);
        assertEquals(-a.meanNumber().doubleValue(), nll, 1e-6, "early-stopping score of a graph");
        List<String> names = new ArrayList<>(g.getConfiguration().getNetworkOutputs());
        assertEquals(List.of("regression", "density"), names);
    }
}
