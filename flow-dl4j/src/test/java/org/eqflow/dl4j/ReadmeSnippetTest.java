package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Threads;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** The DL4J example of README.md and docs/dl4j.md compiles, runs, and is quoted verbatim by both. */
class ReadmeSnippetTest {
    @TempDir
    Path dir;

    @Test
    void snippetRunsAndIsQuoted() throws Exception {
        StringBuilder csv = new StringBuilder("x0,x1\n");   // as eqflow data writes it
        for (double[] p : Targets.parse("ring").sample(2048, new SplittableRandom(3))) {
            csv.append(p[0]).append(',').append(p[1]).append('\n');
        }
        File csvFile = dir.resolve("normal.csv").toFile();
        Files.writeString(csvFile.toPath(), csv.toString());
        File modelFile = dir.resolve("density.zip").toFile();
        INDArray points = Nd4j.create(Targets.parse("ring").sample(10, new SplittableRandom(4))).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);

        // snippet-start
        Threads.useSingleThread();   // ND4J's default threading is several times slower for a layer like this one

        EquivariantDensityLayer head = EquivariantDensityLayer.builder()
                .nIn(2)                                   // dimension of the points
                .symmetry("so2")                          // any spec of docs/generators.md; repeatable
                .constraint(FlowConfig.Constraint.SOFT)   // HARD (default for so(k)), SOFT (the paper's; default otherwise) or NONE
                .multiplierRate(0.02)                     // a short run: λ may move 4x faster than the default 0.005
                .seed(7)                                  // initial weights, and output()'s estimates
                .build();                                 // every other option: flow-core's default
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .updater(new Adam(2e-3)).list().layer(head).build());
        net.init();
        MultiplierListener multipliers = new MultiplierListener();   // the soft constraint's rule for λ
        net.setListeners(multipliers, new ScoreIterationListener(100));

        CSVRecordReader reader = new CSVRecordReader(1, ',');                  // skip the header line
        reader.initialize(new FileSplit(csvFile));
        DataSetIterator train = new RecordReaderDataSetIterator(reader, 128);   // no labels
        train.setPreProcessor(new FlowNoise(net, 7));                           // the layer's noise, as labels
        net.fit(train, 20);

        INDArray logp = net.output(points);                                      // [n, 1] log p(x), seeded: repeatable
        double invariance = DensityLayers.invarianceError(net, 0, points, 1);    // nats; 0 for an invariant density
        System.out.println("λ = " + Arrays.toString(multipliers.lastMultipliers()) + ", invariance error " + invariance);
        INDArray fresh = DensityLayers.sample(net, 0, 1000, 1);                  // samples of the layer's input
        ModelSerializer.writeModel(net, modelFile, true);
        // snippet-end

        assertEquals(10, logp.rows());
        assertTrue(multipliers.lastMultipliers()[0] > FlowConfig.Builder.DEFAULT_INITIAL_MULTIPLIER, "λ rises while C > κ");
        assertTrue(invariance < 0.2, "invariance error " + invariance);
        assertEquals(1000, fresh.rows());
        assertTrue(modelFile.length() > 0);
        String code = snippet();
        assertTrue(Files.readString(Path.of("..", "README.md")).contains(code), "README.md must quote the snippet of ReadmeSnippetTest verbatim");
        assertTrue(leftAligned(Files.readString(Path.of("..", "docs/dl4j.md"))).contains(leftAligned(code)),
                "docs/dl4j.md's program must contain the snippet of ReadmeSnippetTest verbatim (indentation aside)");
    }

    private static String leftAligned(String text) {
        return java.util.Arrays.stream(text.split("\n", -1)).map(String::strip).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** The code between the snippet markers, de-indented as the documents show it. */
    private static String snippet() throws Exception {
        String src = Files.readString(Path.of("src/test/java/org/eqflow/dl4j/ReadmeSnippetTest.java"));
        String inner = src.substring(src.indexOf("// snippet-start\n") + "// snippet-start\n".length(), src.indexOf("        // snippet-end"));
        StringBuilder out = new StringBuilder();
        for (String line : inner.split("\n", -1)) {
            out.append(line.startsWith("        ") ? line.substring(8) : line.strip()).append('\n');
        }
        return out.toString().strip();
    }
}
