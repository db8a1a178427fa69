package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.Locale;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Noise;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.TargetData;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's Fig. 2B: a multimodal target (four Gaussians on a 2×2 grid) from a soft-uniform base. The
 * learned U(q) should have one minimum per mode, and flow trajectories from base samples should end at the
 * modes. Shows a single Leap-Frog step and the integrated flow.
 */
final class MultimodalExample {
    static final String TARGET = "grid:2,3,0.3";
    static final String BASE = "soft-uniform:4,4";

    private MultimodalExample() {
    }

    static String run(DemoContext ctx) throws IOException {
        ctx.step("multimodal: training");
        Target target = Targets.parse(TARGET);
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(ctx.standardisedConfig(target.sample(10_000, Noise.stream(ctx.seed, 10, Noise.Purpose.DATA)))
                .base(BASE).leapfrogSteps(4).build());
        INDArray test = DemoContext.rows(target.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 4, Noise.Purpose.DATA)));
        // Mode-seeking from a flat base is slow to start: this example trains twice as long as the others.
        DemoContext.Curve c = ctx.train(m, new TargetData(target, ctx.seed), test, test, 2 * ctx.size.iterations());
        ctx.step("multimodal: plots");
        int n = ctx.size.grid();
        double[] axis = DemoContext.axis(3.5, n);
        INDArray pts = DemoContext.gridPoints(axis);
        double[][] u = DemoContext.toGrid(m.potentialEnergy(m.toModelSpace(pts), 0).toDoubleVector(), n);
        Plots.heatMap(ctx.out, "multimodal-potential", "learned U(q)", axis, u);
        double[] truth = new double[(int) pts.rows()];
        for (int i = 0; i < truth.length; i++) {
            truth[i] = Math.exp(target.logDensity(pts.getRow(i).toDoubleVector()));
        }
        Plots.heatMap(ctx.out, "multimodal-target-density", "target density", axis, DemoContext.toGrid(truth, n));

        int count = 80;
        EquivariantHamiltonianFlow.Trajectory tr = m.trajectory(count, ctx.seed);
        double[][][] single = new double[count][2][];
        double[][][] full = new double[count][tr.positions().size()][];
        for (int t = 0; t < count; t++) {
            for (int s = 0; s < tr.positions().size(); s++) {
                full[t][s] = tr.positions().get(s).getRow(t).toDoubleVector();
            }
            single[t][0] = full[t][0];
            single[t][1] = full[t][1];
        }
        Plots.trajectories(ctx.out, "multimodal-single-step", "a single Leap-Frog step from base samples", single);
        Plots.trajectories(ctx.out, "multimodal-flow", "integrated flow (" + (tr.positions().size() - 1) + " steps)", full);

        int minima = localMinima(u);
        double[][] ends = new double[count][];
        for (int t = 0; t < count; t++) {
            ends[t] = full[t][full[t].length - 1];
        }
        double nearMode = fractionNearModes(ends, 3 * 0.3);
        return "## Multimodal density (paper Fig. 2B)\n\n"
                + String.format(Locale.ROOT, "Target `%s` (4 modes at (±1.5, ±1.5)), base `%s` (in the standardised coordinates), 4 Leap-Frog steps, %d iterations. "
                        + "Final test log-likelihood %.3f nats (entropy %.3f). The learned U(q) has **%d local minima** on the "
                        + "%d×%d grid; **%.0f%%** of %d flow end points lie within 3σ of a mode.%n%n",
                        TARGET, BASE, 2 * ctx.size.iterations(), c.test()[c.test().length - 1], target.entropy().nats(), minima, n, n, 100 * nearMode, count)
                + "![U](multimodal-potential.png) ![target](multimodal-target-density.png)\n"
                + "![single step](multimodal-single-step.png) ![flow](multimodal-flow.png)\n\n";
    }

    /** Strict local minima over the 8-neighbourhood, away from the border. */
    static int localMinima(double[][] v) {
        int count = 0;
        for (int i = 1; i < v.length - 1; i++) {
            for (int j = 1; j < v.length - 1; j++) {
                boolean min = true;
                for (int a = -1; a <= 1 && min; a++) {
                    for (int b = -1; b <= 1; b++) {
                        if ((a != 0 || b != 0) && v[i + a][j + b] <= v[i][j]) {
                            min = false;
                            break;
                        }
                    }
                }
                count += min ? 1 : 0;
            }
        }
        return count;
    }

    static double fractionNearModes(double[][] points, double radius) {
        int near = 0;
        for (double[] p : points) {
            if (Math.hypot(Math.abs(p[0]) - 1.5, Math.abs(p[1]) - 1.5) < radius) {
                near++;
            }
        }
        return (double) near / points.length;
    }
}
