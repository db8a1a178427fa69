package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.TransportedIwae;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.FiniteData;
import org.eqflow.core.train.TargetData;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's Fig. 2A: an SO(2)-symmetric target (the ring), learned without a constraint and with the soft
 * so(2) constraint at several precisions κ, with infinite data (fresh samples every step) and with a small
 * fixed training set. Curves of train and test log-likelihood; heat maps of the target and learned densities
 * and of the learned K(p) and U(q).
 */
final class So2Example {
    static final int FINITE_SIZE = 100;

    private So2Example() {
    }

    static String run(DemoContext ctx) throws IOException {
        Target ring = Targets.parse("ring");
        INDArray test = DemoContext.rows(ring.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 1, Noise.Purpose.DATA)));
        INDArray freshTrain = DemoContext.rows(ring.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 2, Noise.Purpose.DATA)));
        double[][] finite = ring.sample(FINITE_SIZE, Noise.stream(ctx.seed, 3, Noise.Purpose.DATA));
        Map<String, Double> kappas = new LinkedHashMap<>();
        kappas.put("no constraint", null);
        kappas.put("κ = 1e-2", 1e-2);
        kappas.put("κ = 1e-3", 1e-3);
        if (ctx.size == DemoSize.FULL) {
            kappas.put("κ = 1e-4", 1e-4);
        }
        double entropy = ring.entropy().nats();
        StringBuilder md = new StringBuilder("## SO(2) domain knowledge (paper Fig. 2A)\n\n")
                .append(String.format(Locale.ROOT, "Target `ring:2,0.2` (entropy %.3f nats). Finite data: %d training points. "
                        + "%d iterations of %d points, hidden %d; log-likelihoods are IWAE (M = %d) means over %d points%s.%n%n",
                        entropy, FINITE_SIZE, ctx.size.iterations(), ctx.size.batch(), ctx.size.hidden(), ctx.size.evalSamples(),
                        ctx.size.evalPoints(), ctx.seeds == 1 ? "" : String.format(Locale.ROOT, "; seeds %d–%d (data, weights and "
                        + "noise), every number mean ± standard error", ctx.seed, ctx.seed + ctx.seeds - 1)))
                .append("| regime | model | train log-lik | test log-lik | test NLL − entropy | invariance error |\n")
                .append("|---|---|---|---|---|---|\n");
        EquivariantHamiltonianFlow showcase = null;
        int seeds = ctx.seeds;
        for (String regime : new String[] {"infinite", "finite"}) {
            Map<String, double[][]> curves = Plots.series();
            for (Map.Entry<String, Double> k : kappas.entrySet()) {
                boolean inf = regime.equals("infinite");
                double[][] trainCurves = new double[seeds][];
                double[][] testCurves = new double[seeds][];
                double[] invariance = new double[seeds];
                double[] iterations = null;
                for (int s = 0; s < seeds; s++) {
                    long seed = ctx.seed + s;
                    ctx.step("so2: " + regime + " data, " + k.getKey() + (seeds == 1 ? "" : ", seed " + seed));
                    FlowConfig.Builder b = ctx.config(2).symmetry("so2").seed(seed);
                    if (k.getValue() == null) {
                        b.constraint(FlowConfig.Constraint.NONE);
                    } else {
                        b.kappa(k.getValue());
                    }
                    EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(b.build());
                    INDArray seedTest = s == 0 ? test : DemoContext.rows(ring.sample(ctx.size.evalPoints(), Noise.stream(seed, 1, Noise.Purpose.DATA)));
                    double[][] seedFinite = s == 0 ? finite : ring.sample(FINITE_SIZE, Noise.stream(seed, 3, Noise.Purpose.DATA));
                    INDArray trainPts = inf ? (s == 0 ? freshTrain : DemoContext.rows(ring.sample(ctx.size.evalPoints(),
                            Noise.stream(seed, 2, Noise.Purpose.DATA)))) : DemoContext.rows(seedFinite);
                    DemoContext.Curve c = ctx.train(m, inf ? new TargetData(ring, seed) : new FiniteData(seedFinite, seed), trainPts, seedTest);
                    iterations = c.iterations();
                    trainCurves[s] = c.train();
                    testCurves[s] = c.test();
                    invariance[s] = TransportedIwae.invarianceError(m, m.parts().symmetry().orElseThrow(),
                            seedTest.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(200, seedTest.rows())),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all()), 8, ctx.size.evalSamples(), ctx.seed);
                    if (s == 0 && inf && "κ = 1e-3".equals(k.getKey())) {
                        showcase = m;
                    }
                }
                double[][] train = meanAndError(trainCurves);
                double[][] testCurve = meanAndError(testCurves);
                curves.put(k.getKey() + " (train)", new double[][] {iterations, train[0], train[1]});
                curves.put(k.getKey() + " (test)", new double[][] {iterations, testCurve[0], testCurve[1]});
                int last = iterations.length - 1;
                double[] gaps = new double[seeds];
                double[] trainLast = new double[seeds];
                double[] testLast = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    gaps[s] = -testCurves[s][last] - entropy;
                    trainLast[s] = trainCurves[s][last];
                    testLast[s] = testCurves[s][last];
                }
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", regime, k.getKey(), DemoContext.cell(trainLast),
                        DemoContext.cell(testLast), DemoContext.cell(gaps), DemoContext.cell(invariance)));
            }
            String title = "SO(2) ring, " + regime + " data: log-likelihood" + (seeds == 1 ? "" : " (" + seeds + " seeds, ±1 s.e.)");
            if (seeds == 1) {
                Map<String, double[][]> plain = Plots.series();
                curves.forEach((name, v) -> plain.put(name, new double[][] {v[0], v[1]}));
                Plots.lines(ctx.out, "so2-" + regime + "-curves", title, "iteration", "mean log p (nats)", plain);
            } else {
                Plots.linesWithErrors(ctx.out, "so2-" + regime + "-curves", title, "iteration", "mean log p (nats)", curves, false);
            }
        }
        ctx.step("so2: heat maps");
        heatMaps(ctx, ring, showcase);
        md.append("\n![infinite](so2-infinite-curves.png) ![finite](so2-finite-curves.png)\n\n")
                .append("![target](so2-target-density.png) ![learned](so2-learned-density.png)\n")
                .append("![K](so2-kinetic.png) ![U](so2-potential.png)\n\n");
        return md.toString();
    }

    /** Per column of {@code rows} (one row per seed): the mean and its standard error (0 for one seed). */
    static double[][] meanAndError(double[][] rows) {
        int n = rows[0].length;
        double[][] out = new double[2][n];
        for (int j = 0; j < n; j++) {
            double[] column = new double[rows.length];
            for (int s = 0; s < rows.length; s++) {
                column[s] = rows[s][j];
            }
            double[] m = DemoContext.meanAndError(column);
            out[0][j] = m[0];
            out[1][j] = m[1];
        }
        return out;
    }

    static void heatMaps(DemoContext ctx, Target target, EquivariantHamiltonianFlow m) throws IOException {
        int n = ctx.size.grid();
        double[] axis = DemoContext.axis(3, n);
        INDArray pts = DemoContext.gridPoints(axis);
        double[] truth = new double[(int) pts.rows()];
        for (int i = 0; i < truth.length; i++) {
            truth[i] = Math.exp(target.logDensity(pts.getRow(i).toDoubleVector()));
        }
        // 8 times the curves' importance samples (256 at the default size): fewer are noisy enough to speckle the map
        Iwae.Estimate[] est = m.logDensity(pts, 8 * ctx.size.evalSamples(), ctx.seed);
        double[] learned = new double[est.length];
        for (int i = 0; i < est.length; i++) {
            learned[i] = Math.exp(est[i].logDensity());
        }
        double top = Math.max(Arrays.stream(truth).max().orElse(1), Arrays.stream(learned).max().orElse(1));
        // one colour scale for the target and the model
        Plots.heatMap(ctx.out, "so2-target-density", "target density", null, axis, null, axis, DemoContext.toGrid(truth, n), 0, top);
        Plots.heatMap(ctx.out, "so2-learned-density", "learned density (soft so(2))", null, axis, null, axis,
                DemoContext.toGrid(learned, n), 0, top);
        // K is a function of the momentum, which has no data units: its grid is in the model's own coordinates.
        Plots.contours(ctx.out, "so2-kinetic", "learned K(p)", "p0", "p1", axis, DemoContext.toGrid(m.kineticEnergy(pts, 0).toDoubleVector(), n),
                10, null);
        Plots.contours(ctx.out, "so2-potential", "learned U(q)", "q0", "q1", axis,
                DemoContext.toGrid(m.potentialEnergy(m.toModelSpace(pts), 0).toDoubleVector(), n), 10, null);
    }
}
