package org.eqflow.examples.demo;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.target.ConditionalShell;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.Standardization;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conditional anomaly detection: the same point is normal under one context and anomalous under another. The data are
 * {@code cring} (a ring whose radius {@code 2 + c} and width follow a context {@code c ∈ [−1, 1]}, e.g. a sensor's
 * operating point). A conditional model {@code p(x | c)} and an unconditional one {@code p(x)} are trained on the same
 * rows; anomalies are test points given another context (shifted by 0.8 or more). Under {@code p(x | c)} they fall
 * below the 1 % quantile of the training log-densities; {@code p(x)} sees the same x either way and cannot tell.
 */
final class ConditionalExample {
    /** The smallest context shift of an anomaly: its ring is 0.8 or more away from the point's. */
    static final double SHIFT = 0.8;

    private ConditionalExample() {
    }

    static String run(DemoContext ctx) throws java.io.IOException {
        ConditionalShell target = (ConditionalShell) Targets.parse("cring");
        double[][] sample = target.sample(4096, Noise.stream(ctx.seed, 1, Noise.Purpose.DATA));
        Standardization.Context scaling = Standardization.Context.fit(sample, 2);
        FlowConfig.Builder base = FlowConfig.builder(2).symmetry("so2").hidden(ctx.size.hidden()).seed(ctx.seed);
        EquivariantHamiltonianFlow conditional = EquivariantHamiltonianFlow.create(base.contextSize(1)
                .contextScaling(scaling.centre(), scaling.scale()).build());
        EquivariantHamiltonianFlow marginal = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2")
                .hidden(ctx.size.hidden()).seed(ctx.seed).build());
        ctx.step("conditional: training p(x | c) and p(x)");
        for (int i = 0; i < ctx.size.iterations(); i++) {
            INDArray rows = Nd4j.create(target.sample(ctx.size.batch(), Noise.stream(ctx.seed, i, Noise.Purpose.DATA)));
            conditional.trainStep(rows);
            marginal.trainStep(positions(rows));
        }
        ctx.step("conditional: scoring");
        int n = ctx.size.evalPoints();
        int m = ctx.size.evalSamples();
        INDArray train = Nd4j.create(target.sample(n, Noise.stream(ctx.seed, 7, Noise.Purpose.DATA)));
        INDArray normal = Nd4j.create(target.sample(n, Noise.stream(ctx.seed, 8, Noise.Purpose.DATA)));
        INDArray odd = normal.dup();
        SplittableRandom rng = Noise.stream(ctx.seed, 9, Noise.Purpose.DATA);
        for (int i = 0; i < n; i++) {
            odd.putScalar(i, 2, otherContext(normal.getDouble(i, 2), rng));
        }
        double[] trainC = logDensities(conditional, train, m, ctx.seed);
        double[] trainM = logDensities(marginal, positions(train), m, ctx.seed);
        double thresholdC = quantile(trainC, 0.01);
        double thresholdM = quantile(trainM, 0.01);
        double[] normalC = logDensities(conditional, normal, m, ctx.seed);
        double[] oddC = logDensities(conditional, odd, m, ctx.seed);
        double[] normalM = logDensities(marginal, positions(normal), m, ctx.seed);
        double[] oddM = logDensities(marginal, positions(odd), m, ctx.seed);
        double aucC = AnomalyExample.auc(normalC, oddC);
        double aucM = AnomalyExample.auc(normalM, oddM);
        long flaggedC = Arrays.stream(oddC).filter(v -> v < thresholdC).count();
        long falseC = Arrays.stream(normalC).filter(v -> v < thresholdC).count();
        long flaggedM = Arrays.stream(oddM).filter(v -> v < thresholdM).count();

        // One point, three contexts: the verdict changes with the context alone.
        double[][] probe = {{2, 0, -0.9}, {2, 0, 0}, {2, 0, 0.9}};
        double[] probeC = logDensities(conditional, Nd4j.create(probe), m, ctx.seed);
        StringBuilder table = new StringBuilder("| context c | ring radius 2 + c | log p(x = (2, 0) ∣ c) | verdict |\n|---|---|---|---|\n");
        for (int i = 0; i < probe.length; i++) {
            table.append(String.format(Locale.ROOT, "| %.1f | %.1f | %.2f | %s |%n", probe[i][2], 2 + probe[i][2], probeC[i],
                    probeC[i] < thresholdC ? "**anomalous**" : "normal"));
        }
        Map<String, double[][]> pts = Plots.series();
        pts.put("normal (own context)", columns(normal, normalC, thresholdC, false));
        pts.put("flagged", columns(odd, oddC, thresholdC, true));
        Plots.scatter(ctx.out, "conditional-anomaly", "p(x | c): points given another context, flagged", pts);
        return "## Conditional anomaly detection\n\n"
                + String.format(Locale.ROOT, "`cring`: a ring of radius 2 + c and width 0.2 + 0.1 c for a context c ∈ [−1, 1]. A "
                        + "conditional model p(x | c) (`contextSize(1)`, so(2), the library's defaults) and an unconditional p(x), "
                        + "%d iterations each; anomalies: the %d test points given another context (shifted by ≥ %.1f), flagged "
                        + "below the 1%% quantile of the training log-densities. **p(x | c): %d/%d flagged, %d/%d false alarms, "
                        + "ROC AUC %.3f**; p(x): %d/%d flagged, ROC AUC %.3f (the same x, whatever the context).%n%n",
                        ctx.size.iterations(), n, SHIFT, flaggedC, n, falseC, n, aucC, flaggedM, n, aucM)
                + table + "\n![conditional anomalies](conditional-anomaly.png)\n\n";
    }

    /** A context at least {@link #SHIFT} from {@code c} in [−1, 1]. */
    static double otherContext(double c, SplittableRandom rng) {
        double lo = c - SHIFT;
        double hi = c + SHIFT;
        double below = Math.max(0, lo + 1);
        double above = Math.max(0, 1 - hi);
        double u = rng.nextDouble() * (below + above);
        return u < below ? -1 + u : hi + (u - below);
    }

    private static INDArray positions(INDArray rows) {
        return rows.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)).dup();
    }

    private static double[] logDensities(EquivariantHamiltonianFlow model, INDArray x, int m, long seed) {
        return Arrays.stream(model.logDensity(x, m, seed)).mapToDouble(Iwae.Estimate::logDensity).toArray();
    }

    private static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }

    /** x and y of the rows below ({@code below}) or at or above the threshold. */
    private static double[][] columns(INDArray rows, double[] scores, double threshold, boolean below) {
        int[] idx = java.util.stream.IntStream.range(0, scores.length).filter(i -> (scores[i] < threshold) == below).toArray();
        double[][] c = new double[2][idx.length];
        for (int i = 0; i < idx.length; i++) {
            c[0][i] = rows.getDouble(idx[i], 0);
            c[1][i] = rows.getDouble(idx[i], 1);
        }
        return c;
    }
}
