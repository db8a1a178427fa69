package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.Noise;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.dl4j.DensityLayers;
import org.eqflow.dl4j.EquivariantDensityLayer;
import org.eqflow.dl4j.FlowNoise;
import org.eqflow.dl4j.MultiplierListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Anomaly detection with DL4J: a {@code MultiLayerNetwork} ending in the equivariant density head is trained
 * on "normal" data (the ring) and flags points whose estimated log-density falls below the 1% quantile of the
 * training points'. The layer has the library's defaults (the paper's sparser setting, shared Hamiltonian and
 * base penalty sites, left the hole of the ring filled at the quick size: ROC AUC 0.44–0.63).
 */
final class AnomalyExample {
    private AnomalyExample() {
    }

    static String run(DemoContext ctx) throws IOException {
        ctx.step("anomaly: training the DL4J network");
        Target normal = Targets.parse("ring");
        EquivariantDensityLayer head = EquivariantDensityLayer.builder().nIn(2).hidden(ctx.size.hidden()).symmetry("so2")
                .outputSamples(ctx.size.evalSamples()).seed(ctx.seed).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(ctx.seed).updater(new Adam(3e-3)).list()
                .layer(head).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setListeners(new MultiplierListener());
        FlowNoise noise = new FlowNoise(head, ctx.seed);
        for (int i = 0; i < ctx.size.iterations(); i++) {
            DataSet batch = new DataSet(DemoContext.rows(normal.sample(ctx.size.batch(), Noise.stream(ctx.seed, i, Noise.Purpose.DATA))), null);
            noise.preProcess(batch);
            net.fit(batch);
        }
        ctx.step("anomaly: scoring");
        INDArray train = DemoContext.rows(normal.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 7, Noise.Purpose.DATA)));
        double[] trainScores = DensityLayers.logDensity(net, train, ctx.seed).toDoubleVector();
        double[] sorted = trainScores.clone();
        Arrays.sort(sorted);
        double threshold = sorted[(int) Math.floor(0.01 * (sorted.length - 1))];

        int nNormal = ctx.size.evalPoints();
        int nAnomalous = Math.max(10, nNormal / 5);
        INDArray testNormal = DemoContext.rows(normal.sample(nNormal, Noise.stream(ctx.seed, 8, Noise.Purpose.DATA)));
        double[][] odd = new double[nAnomalous][];
        SplittableRandom rng = Noise.stream(ctx.seed, 9, Noise.Purpose.DATA);
        for (int i = 0; i < nAnomalous; i++) {
            double r = rng.nextBoolean() ? 0.8 * rng.nextDouble() : 2.8 + rng.nextDouble();
            double a = 2 * Math.PI * rng.nextDouble();
            odd[i] = new double[] {r * Math.cos(a), r * Math.sin(a)};
        }
        INDArray testOdd = DemoContext.rows(odd);
        double[] sNormal = DensityLayers.logDensity(net, testNormal, ctx.seed).toDoubleVector();
        double[] sOdd = DensityLayers.logDensity(net, testOdd, ctx.seed).toDoubleVector();
        int falsePos = (int) Arrays.stream(sNormal).filter(v -> v < threshold).count();
        int truePos = (int) Arrays.stream(sOdd).filter(v -> v < threshold).count();
        double auc = auc(sNormal, sOdd);

        Map<String, double[][]> pts = Plots.series();
        pts.put("normal", columns(testNormal));
        pts.put("anomalous", columns(testOdd));
        INDArray flagged = flagged(Nd4j.vstack(testNormal, testOdd), concat(sNormal, sOdd), threshold);
        if (flagged.rows() > 0) {
            pts.put("flagged", columns(flagged));
        }
        Plots.scatter(ctx.out, "anomaly-scatter", "DL4J density head: flagged points (log p < 1% training quantile)", pts);
        return "## Anomaly detection in a DL4J pipeline\n\n"
                + String.format(Locale.ROOT, "A `MultiLayerNetwork` ending in `EquivariantDensityLayer` (so(2), the library's defaults: the hard constraint) trained for %d "
                        + "iterations on the ring; threshold: the 1%% quantile of the training log-densities (%.2f nats). "
                        + "On %d normal and %d anomalous test points: **%d/%d anomalies flagged**, %d/%d false alarms, "
                        + "ROC AUC **%.3f**.%n%n", ctx.size.iterations(), threshold, nNormal, nAnomalous, truePos, nAnomalous,
                        falsePos, nNormal, auc)
                + "![anomalies](anomaly-scatter.png)\n\n";
    }

    /** P(score of a random normal point > score of a random anomaly). */
    static double auc(double[] normal, double[] odd) {
        double wins = 0;
        for (double a : normal) {
            for (double b : odd) {
                wins += a > b ? 1 : a == b ? 0.5 : 0;
            }
        }
        return wins / ((double) normal.length * odd.length);
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static INDArray flagged(INDArray x, double[] scores, double threshold) {
        int[] idx = java.util.stream.IntStream.range(0, scores.length).filter(i -> scores[i] < threshold).toArray();
        return idx.length == 0 ? Nd4j.zeros(0, 2) : x.getRows(idx);
    }

    private static double[][] columns(INDArray x) {
        double[][] c = new double[2][(int) x.rows()];
        for (int i = 0; i < x.rows(); i++) {
            c[0][i] = x.getDouble(i, 0);
            c[1][i] = x.getDouble(i, 1);
        }
        return c;
    }
}
