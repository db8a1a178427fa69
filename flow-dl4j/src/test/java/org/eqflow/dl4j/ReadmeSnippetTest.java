package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
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
        StringBuilder csv = new StringBuilder();
        for (double[] p : Targets.parse("ring").sample(512, new SplittableRandom(3))) {
            csv.append(p[0]).append(',').append(p[1]).append('\n');
        }
        File csvFile = dir.resolve("normal.csv").toFile();
        Files.writeString(csvFile.toPath(), csv.toString());
        File modelFile = dir.resolve("density.zip").toFile();
        INDArray points = Nd4j.create(Targets.parse("ring").sample(10, new SplittableRandom(4)));

        // snippet-start
        EquivariantDensityLayer head = EquivariantDensityLayer.builder()
                .nIn(2)                      // dimension of the points
                .hidden(64)
                .leapfrogSteps(2)
                .symmetry("so2")             // any spec of docs/generators.md; repeatable
                .constraint("soft")          // soft (default with a symmetry), hard or none
                .kappa(1e-3)
                .outputSamples(64)           // importance samples of the log p output
                .seed(7)
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .updater(new Adam(1e-3)).list().layer(head).build());
        net.init();
        net.setListeners(new MultiplierListener(), new ScoreIterationListener(100));

        CSVRecordReader reader = new CSVRecordReader(0, ',');
        reader.initialize(new FileSplit(csvFile));
        DataSetIterator train = new RecordReaderDataSetIterator(reader, 128);   // no labels
        train.setPreProcessor(new FlowNoise(head, 7));                          // the layer's noise, as labels
        net.fit(train, 20);

        INDArray logp = DensityLayers.logDensity(net, points, 1);   // [n, 1] IWAE estimates of log p(x), seeded
        INDArray fresh = DensityLayers.sample(net, 0, 1000, 1);      // samples of the layer's input
        ModelSerializer.writeModel(net, modelFile, true);
        // snippet-end

        assertEquals(10, logp.rows());
        assertEquals(1000, fresh.rows());
        assertTrue(modelFile.length() > 0);
        String code = snippet();
        for (String doc : new String[] {"README.md", "docs/dl4j.md"}) {
            assertTrue(Files.readString(Path.of("..", doc)).contains(code), doc + " must quote the snippet of ReadmeSnippetTest verbatim");
        }
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
