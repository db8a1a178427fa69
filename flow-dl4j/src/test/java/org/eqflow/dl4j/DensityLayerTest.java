package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class DensityLayerTest {
    @TempDir
    Path dir;

    private static EquivariantDensityLayer layer(int hidden) {
        return EquivariantDensityLayer.builder().nIn(2).hidden(hidden).symmetry("so2").kappa(1e-3).outputSamples(16).seed(7).build();
    }

    private static MultiLayerNetwork net(EquivariantDensityLayer layer, DataType dt) {
        return net(layer, dt, new Adam(3e-3));
    }

    private static MultiLayerNetwork net(EquivariantDensityLayer layer, DataType dt, org.nd4j.linalg.learning.config.IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(dt).updater(updater)
                .list().layer(layer).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray ring(int n, long seed) {
        Target t = Targets.parse("ring");
        return Nd4j.create(t.sample(n, new SplittableRandom(seed)));
    }

    /** A layer sized by the network's InputType: FlowNoise reads the dimension from the built network or graph. */
    @Test
    void flowNoiseReadsTheDimensionFromTheNetworkOrGraph() {
        EquivariantDensityLayer unsized = EquivariantDensityLayer.builder().hidden(4).symmetry("so2").outputSamples(4).seed(7).build();
        IllegalArgumentException early = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FlowNoise(unsized, 1));
        assertTrue(early.getMessage().contains("use new FlowNoise(net, seed)"), early.getMessage());

        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(unsized).setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(2)).build());
        net.init();
        DataSet ds = new DataSet(ring(16, 3).castTo(DataType.FLOAT), null);
        new FlowNoise(net, 5).preProcess(ds);
        assertEquals(6, ds.getLabels().columns());
        net.fit(ds);

        org.deeplearning4j.nn.graph.ComputationGraph graph = new org.deeplearning4j.nn.graph.ComputationGraph(
                new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).graphBuilder().addInputs("in")
                        .addLayer("density", EquivariantDensityLayer.builder().hidden(4).symmetry("so2").outputSamples(4).seed(7)
                                .build(), "in")
                        .setOutputs("density").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(2)).build());
        graph.init();
        DataSet gs = new DataSet(ring(16, 4).castTo(DataType.FLOAT), null);
        new FlowNoise(graph, "density", 5).preProcess(gs);
        assertEquals(6, gs.getLabels().columns());
        graph.fit(gs);
        IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FlowNoise(graph, "head", 5));
        assertTrue(missing.getMessage().contains("no density layer named 'head'"), missing.getMessage());
    }

    /** Wrong shapes and names get a message that says what is wrong and what to do, not a native op's failure. */
    @Test
    void badInputsLabelsAndNamesAreExplained() {
        MultiLayerNetwork net = net(layer(4), DataType.FLOAT);
        INDArray three = Nd4j.rand(DataType.FLOAT, 5, 3);
        IllegalArgumentException wide = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> net.output(three));
        assertTrue(wide.getMessage().contains("takes points of shape [batch, 2], got [5, 3]: set nIn(3)"), wide.getMessage());
        IllegalArgumentException rank3 = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> net.output(Nd4j.rand(DataType.FLOAT, 5, 2, 4)));
        assertTrue(rank3.getMessage().contains("flatten the features"), rank3.getMessage());
        DataSet noLabels = new DataSet(ring(8, 1).castTo(DataType.FLOAT), Nd4j.zeros(DataType.FLOAT, 8, 2));
        IllegalArgumentException labels = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> net.fit(noLabels));
        assertTrue(labels.getMessage().contains("labels must be FlowNoise's 3·d = 6 columns")
                && labels.getMessage().contains("got [8, 2]") && labels.getMessage().contains("new FlowNoise(net, seed)"),
                labels.getMessage());
        IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EquivariantDensityLayer.builder().symmetry("so2").constraint("sfot").build());
        assertTrue(typo.getMessage().contains("constraint must be one of [soft, hard, none], got 'sfot'"), typo.getMessage());
        IllegalArgumentException sites = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EquivariantDensityLayer.builder().penaltySites("bse").build());
        assertTrue(sites.getMessage().contains("one of [base, base-and-flow, data-and-base], got 'bse'"), sites.getMessage());
        for (InputType wrong : new InputType[] {InputType.recurrent(2, 5), InputType.convolutional(4, 4, 1)}) {
            IllegalArgumentException kind = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new NeuralNetConfiguration.Builder().list().layer(EquivariantDensityLayer.builder().name("head").build())
                            .setInputType(wrong).build());
            assertTrue(kind.getMessage().contains("the density layer 'head' takes points in R^d (InputType.feedForward(d)), got")
                    && kind.getMessage().contains("flatten first"), kind.getMessage());
        }
    }

    @Test
    void trainsLowersNllAndUpdatesMultipliers() {
        MultiLayerNetwork net = net(layer(16), DataType.FLOAT);
        MultiplierListener multipliers = new MultiplierListener(50);
        net.setListeners(multipliers);
        FlowNoise noise = new FlowNoise(layer(16), 3);
        INDArray test = ring(200, 9);
        double before = seededNll(net, test);
        double lambda0 = net.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0);
        for (int i = 0; i < 150; i++) {
            DataSet ds = new DataSet(ring(128, 100 + i), null);
            noise.preProcess(ds);
            net.fit(ds);
        }
        double after = seededNll(net, test);
        assertTrue(after < before - 0.1, "NLL before " + before + " after " + after);  // 3.996 → 3.820 here
        assertNotEquals(lambda0, net.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0), "λ moves");
        assertEquals(net.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0), multipliers.lastMultipliers()[0], 1e-6);
        assertEquals(1, multipliers.lastConstraints().length);
        double negElbo = DensityLayers.negativeElbo(net, 0, test, 1);
        assertTrue(negElbo >= after - 0.05, "−ELBO " + negElbo + " bounds the IWAE NLL " + after + " from above");
        INDArray samples = DensityLayers.sample(net, 0, 50, 1);
        assertEquals(50, samples.rows());
        assertEquals(2, samples.columns());
    }

    /**
     * λ is the multiplier rule's alone: DL4J's updater never moves it (its NoOp applies the raw gradient, which
     * would push λ down by C − κ at every fit), and with the rule attached it rises while C > κ.
     */
    @Test
    void onlyTheMultiplierRuleMovesLambda() {
        EquivariantDensityLayer.Builder b = EquivariantDensityLayer.builder().nIn(2).hidden(8).symmetry("so2").kappa(1e-9)
                .outputSamples(4).seed(7);
        MultiLayerNetwork without = net(b.build(), DataType.FLOAT);
        MultiLayerNetwork with = net(b.build(), DataType.FLOAT);
        MultiplierListener rule = new MultiplierListener(0);
        with.setListeners(rule);
        FlowNoise noise = new FlowNoise(b.build(), 3);
        double lambda0 = without.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0);
        for (int i = 0; i < 5; i++) {
            DataSet ds = new DataSet(ring(64, 200 + i), null);
            noise.preProcess(ds);
            without.fit(ds);
            with.fit(ds);
        }
        assertEquals(lambda0, without.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0), 0.0,
                "fit without the rule leaves λ unchanged");
        assertTrue(rule.lastConstraints()[0] > 1e-9, "C > κ");
        assertTrue(with.getLayer(0).getParam(EquivariantDensityLayer.LAMBDA).getDouble(0) > lambda0, "with C > κ, λ rises");
    }

    private static double seededNll(MultiLayerNetwork net, INDArray x) {
        return -java.util.Arrays.stream(DensityLayers.toFlow(net, 0).logDensity(x, 64, 1))
                .mapToDouble(org.eqflow.core.objective.Iwae.Estimate::logDensity).average().orElseThrow();
    }

    /** The DL4J score and gradients equal flow-core's loss and gradients for the same weights and noise. */
    @Test
    void parityWithFlowCore() {
        MultiLayerNetwork net = net(layer(16), DataType.DOUBLE);
        EquivariantHamiltonianFlow flow = DensityLayers.toFlow(net, 0);
        INDArray x = ring(32, 1).castTo(DataType.DOUBLE);
        INDArray labels = new FlowNoise(layer(16), 7).noise(32, 0);
        net.setInput(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        double score = net.score();
        assertEquals(flow.loss(x, 0), score, 1e-10 * Math.abs(score));
        Map<String, INDArray> flowGrads = flow.gradients(x, 0);
        Map<String, INDArray> netGrads = net.gradient().gradientForVariable();
        for (String name : flow.parameterNames()) {
            INDArray a = flowGrads.get(name);
            // DL4J's raw gradient is that of the batch sum; its updater divides by the batch size.
            INDArray b = netGrads.get("0_" + name).reshape(a.shape()).div(x.rows());
            double diff = a.sub(b).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-9 * Math.max(1, a.amaxNumber().doubleValue()), name + " differs by " + diff);
        }
    }

    @Test
    void gradientCheckInDoublePrecision() {
        DataType defaultType = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            gradientCheck();
        } finally {
            Nd4j.setDefaultDataTypes(defaultType, defaultType);
        }
    }

    private void gradientCheck() {
        // GradientCheckUtil applies the updater (which divides by the batch size) and needs NoOp or SGD(1); the
        // multipliers' zero-rate updater zeroes their applied gradient, so they are left out (their rule is tested above).
        MultiLayerNetwork net = net(layer(6), DataType.DOUBLE, new org.nd4j.linalg.learning.config.NoOp());
        INDArray x = ring(8, 2).castTo(DataType.DOUBLE);
        INDArray labels = new FlowNoise(layer(6), 7).noise(8, 0);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(labels)
                .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8).subset(true).maxPerParam(12)
                .excludeParams(java.util.Set.of("0_" + EquivariantDensityLayer.LAMBDA, "0_" + EquivariantDensityLayer.LAMBDA_EMA)));
        assertTrue(ok, "DL4J gradient check");
    }

    @Test
    void jsonAndYamlRoundTrip() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(EquivariantDensityLayer.builder().name("density").nIn(3).hidden(8).symmetry("so2:0,2")
                        .constraint(org.eqflow.core.FlowConfig.Constraint.SOFT).kappa(0.01).multiplierRate(0.05)
                        .penaltySites(org.eqflow.core.FlowConfig.PenaltySites.BASE).leapfrogSteps(3).outputSamples(32).seed(4)
                        .build()).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));
        EquivariantDensityLayer back = (EquivariantDensityLayer) MultiLayerConfiguration.fromJson(conf.toJson()).getConf(0).getLayer();
        assertEquals(java.util.List.of("so2:0,2"), back.getSymmetries());
        assertEquals(0.01, back.getKappa());
        assertEquals("density", back.getLayerName());
        assertEquals("soft", back.getConstraint());
        assertEquals("base", back.getPenaltySites());
        assertEquals(0.05, back.getMultiplierRate());
    }

    @Test
    void modelSerializerRoundTripContinuesIdentically() throws Exception {
        MultiLayerNetwork a = net(layer(8), DataType.DOUBLE);
        a.setListeners(new MultiplierListener());
        FlowNoise na = new FlowNoise(layer(8), 3);
        for (int i = 0; i < 3; i++) {
            DataSet ds = new DataSet(ring(64, i), null);
            na.preProcess(ds);
            a.fit(ds);
        }
        File f = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(a, f, true);
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(f, true);
        b.setListeners(new MultiplierListener());
        assertEquals(a.params(), b.params(), "weights and multipliers are saved");
        FlowNoise nb = new FlowNoise(layer(8), 3);
        for (int i = 0; i < 3; i++) {
            nb.preProcess(new DataSet(ring(64, 0), null));
        }
        for (int i = 3; i < 6; i++) {
            DataSet da = new DataSet(ring(64, i), null);
            DataSet db = new DataSet(ring(64, i), null);
            na.preProcess(da);
            nb.preProcess(db);
            a.fit(da);
            b.fit(db);
        }
        assertEquals(a.params(), b.params(), "training continues identically after restore");
    }

    @Test
    void csvPipelineWithEarlyStopping() throws Exception {
        Path csv = dir.resolve("normal.csv");
        StringBuilder sb = new StringBuilder();
        for (double[] p : Targets.parse("ring").sample(256, new SplittableRandom(5))) {
            sb.append(p[0]).append(',').append(p[1]).append('\n');
        }
        Files.writeString(csv, sb.toString());
        CSVRecordReader rr = new CSVRecordReader(0, ',');
        rr.initialize(new FileSplit(csv.toFile()));
        DataSetIterator train = new RecordReaderDataSetIterator(rr, 64);
        train.setPreProcessor(new FlowNoise(layer(8), 11));
        DataSetIterator validation = new SingletonDataSetIterator(new DataSet(ring(100, 77), null));
        MultiLayerNetwork net = net(layer(8), DataType.FLOAT);
        net.setListeners(new MultiplierListener(), new ScoreIterationListener(10));
        EarlyStoppingConfiguration<MultiLayerNetwork> es = new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(3))
                .scoreCalculator(new DensityScoreCalculator<>(validation, 5)).evaluateEveryNEpochs(1).build();
        EarlyStoppingResult<MultiLayerNetwork> result = new EarlyStoppingTrainer(es, net, train).fit();
        assertEquals(3, result.getTotalEpochs(), result.getTerminationReason() + ": " + result.getTerminationDetails());
        assertTrue(Double.isFinite(result.getBestModelScore()));
    }

    /**
     * The density layer passes no gradient to the layers before it: a trainable layer upstream keeps its weights
     * under every constraint (with the gradient it would shrink the features and inflate log p), and
     * {@link DensityLayers#trainableUpstream} names it.
     */
    @Test
    void upstreamLayersGetNoGradientFromTheDensity() {
        for (String constraint : new String[] {"none", "soft"}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2)).list()
                    .layer(new DenseLayer.Builder().nIn(2).nOut(2).activation(Activation.IDENTITY).build())
                    .layer(EquivariantDensityLayer.builder().hidden(8).symmetry("so2").constraint(constraint).seed(7).build())
                    .setInputType(InputType.feedForward(2)).build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            net.setListeners(new MultiplierListener());
            INDArray before = net.getLayer(0).params().dup();
            FlowNoise noise = new FlowNoise(net, 1);
            for (int i = 0; i < 5; i++) {
                DataSet ds = new DataSet(ring(32, i), null);
                noise.preProcess(ds);
                net.fit(ds);
            }
            assertEquals(before, net.getLayer(0).params(), constraint + ": the upstream layer keeps its weights");
            assertEquals(java.util.List.of("layer 0 (DenseLayer) before density layer 1"), DensityLayers.trainableUpstream(net));
        }
    }

    @Test
    void worksInAComputationGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).graphBuilder()
                .addInputs("x").addLayer("density", layer(8), "x").setOutputs("density")
                .setInputTypes(InputType.feedForward(2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.setListeners(new MultiplierListener());
        DataSet ds = new DataSet(ring(32, 1), null);
        new FlowNoise(layer(8), 1).preProcess(ds);
        g.fit(ds);
        INDArray out = g.outputSingle(ring(5, 2));
        assertEquals(5, out.rows());
        assertTrue(Double.isFinite(out.getDouble(0)));
    }
}
