package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.Locale;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.TargetData;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's Fig. 2B: a multimodal target (four Gaussians on a 2×2 grid) from a soft-uniform base. The
 * learned U(q) has one minimum per mode, and flow trajectories from base samples end at the modes. What it
 * takes (docs/results.md): the fixed kinetic energy {@code |p|²/2} — with a learned {@code K(p)} the flow sorts
 * base samples into modes through the momentum-dependent position update and U stays one bowl — and about five
 * times the other examples' training length. Beside it the paper's footnote 6: the same model from a normal base.
 * Shows a single Leap-Frog step and the integrated flow.
 */
final class MultimodalExample {
    static final String TARGET = "grid:2,3,0.3";
    static final String BASE = "soft-uniform:4,4";
    static final String NORMAL_BASE = "normal";
    /** Training length relative to the other examples. */
    static final int LENGTH = 5;

    private MultimodalExample() {
    }

    /** One trained model's numbers. */
    private record Fit(String base, double testLogP, int minima, double nearMode) {
    }

    static String run(DemoContext ctx) throws IOException {
        Target target = Targets.parse(TARGET);
        Fit soft = fit(ctx, target, BASE, "multimodal");
        Fit normal = fit(ctx, target, NORMAL_BASE, "multimodal-normal");
        return "## Multimodal density (paper Fig. 2B)\n\n"
                + String.format(Locale.ROOT, "Target `%s` (4 modes at (±1.5, ±1.5)), fixed kinetic energy |p|²/2, 4 Leap-Frog steps, "
                        + "%d iterations, entropy %.3f nats.%n%n"
                        + "| base | test log-likelihood | local minima of U(q) | flow end points within 3σ of a mode |%n|---|---|---|---|%n",
                        TARGET, LENGTH * ctx.size.iterations(), target.entropy().nats())
                + row(soft) + row(normal)
                + String.format(Locale.ROOT, "%nThe learned U(q) of the soft-uniform model has **%d local minima** on the %d×%d grid%s.%n%n",
                        soft.minima(), ctx.size.grid(), ctx.size.grid(), soft.minima() == 4 ? ": one per mode" : "")
                + "![U](multimodal-potential.png) ![target](multimodal-target-density.png)\n"
                + "![single step](multimodal-single-step.png) ![flow](multimodal-flow.png)\n"
                + "![U, normal base](multimodal-normal-potential.png) ![flow, normal base](multimodal-normal-flow.png)\n\n";
    }

    private static String row(Fit f) {
        return String.format(Locale.ROOT, "| `%s` | %.3f | %d | %.0f%% |%n", f.base(), f.testLogP(), f.minima(), 100 * f.nearMode());
    }

    /** Contour levels of the potential's picture. */
    private static final int CONTOUR_LEVELS = 12;

    private static Fit fit(DemoContext ctx, Target target, String base, String prefix) throws IOException {
        ctx.step(prefix + ": training");
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(ctx.standardisedConfig(target.sample(10_000,
                        Noise.stream(ctx.seed, 10, Noise.Purpose.DATA)))
                .base(base).leapfrogSteps(4).kinetic(FlowConfig.Kinetic.QUADRATIC).build());
        INDArray test = DemoContext.rows(target.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 4, Noise.Purpose.DATA)));
        DemoContext.Curve c = ctx.train(m, new TargetData(target, ctx.seed), test, test, LENGTH * ctx.size.iterations());
        ctx.step(prefix + ": plots");
        int n = ctx.size.grid();
        double[] axis = DemoContext.axis(3.5, n);
        INDArray pts = DemoContext.gridPoints(axis);
        double[][] u = DemoContext.toGrid(m.potentialEnergy(m.toModelSpace(pts), 0).toDoubleVector(), n);
        if (base.equals(BASE)) {
            double[] truth = new double[(int) pts.rows()];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = Math.exp(target.logDensity(pts.getRow(i).toDoubleVector()));
            }
            Plots.heatMap(ctx.out, "multimodal-target-density", "target density", axis, DemoContext.toGrid(truth, n));
        }
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
        if (base.equals(BASE)) {
            Plots.trajectories(ctx.out, "multimodal-single-step", "a single Leap-Frog step from base samples", single);
        }
        Plots.trajectories(ctx.out, prefix + "-flow", "integrated flow (" + (tr.positions().size() - 1) + " steps), " + base + " base", full);
        Plots.contours(ctx.out, prefix + "-potential", "learned U(q) and the flow's paths, " + base + " base", "q0", "q1", axis, u,
                CONTOUR_LEVELS, full);
        double[][] ends = new double[count][];
        for (int t = 0; t < count; t++) {
            ends[t] = full[t][full[t].length - 1];
        }
        return new Fit(base, c.test()[c.test().length - 1], localMinima(u), fractionNearModes(ends, 3 * 0.3));
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
