package org.eqflow.dl4j;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a fresh JVM by {@link DensityLayerEngineTest}: restores a network, reads points (CSV, one per line)
 * and writes {@code net.output} and {@code DensityLayers.logDensity(net, x, 3)}, one pair per line.
 */
public final class ForkedOutput {
    private ForkedOutput() {
    }

    public static void main(String[] args) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new File(args[0]), true);
        List<String> lines = Files.readAllLines(Path.of(args[1]));
        double[][] rows = new double[lines.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.stream(lines.get(i).split(",")).mapToDouble(Double::parseDouble).toArray();
        }
        INDArray x = Nd4j.create(rows).castTo(DataType.DOUBLE);
        Files.writeString(Path.of(args[2]), DensityLayerEngineTest.format(net.output(x), DensityLayers.logDensity(net, x, 3)));
    }
}
