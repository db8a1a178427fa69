package org.eqflow.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.examples.demo.Plots;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eqflow plot}: a 2-D model's density as a heat map, beside a target's on the same colour scale. */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw the density of a model of points in the plane on a grid, as a PNG heat map with the CSV of its numbers",
            "(model-density.png/.csv); with --target, the target's density beside it (target-density.png/.csv) on the same",
            "colour scale. Each cell's log p is an IWAE estimate with --samples importance samples (default 256: enough that",
            "neighbouring cells do not speckle); --log colours log p instead of p."})
final class PlotCommand implements Callable<Integer> {
    /** Grid cells per side at most (a grid of 400² cells with M = 256 is 41 million flow evaluations). */
    static final int MAX_GRID = 400;

    @Option(names = "--model", paramLabel = "MODEL.zip", required = true)
    Path model;

    @Option(names = "--target", paramLabel = "NAME", description = "a built-in target of the plane, drawn beside the model")
    String target;

    @Option(names = "--range", paramLabel = "R", description = "the square [-R, R]² (default: a tenth beyond the farthest of "
            + "1,000 model samples, at most 10)")
    Double range;

    @Option(names = "--grid", paramLabel = "N", defaultValue = "100", description = "cells per side (default ${DEFAULT-VALUE})")
    int grid;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "256", description = "importance samples per cell (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--log", description = "colour log p instead of p")
    boolean log;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
    long seed;

    @Option(names = "--context", paramLabel = "v1,...,vK", description = "conditional models: draw p(x | c) at this context (and a "
            + "conditional --target at the same)")
    String context;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "directory for the PNGs and CSVs (created if needed)")
    Path out;

    @CommandLine.Mixin
    AllowClassOption allow = new AllowClassOption();

    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (grid < 2 || grid > MAX_GRID) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--grid must be in 2.." + MAX_GRID + ", got " + grid);
        }
        if (samples < 1 || samples > 65_536) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--samples must be in 1..65536, got " + samples);
        }
        if (range != null && !(range > 0 && range <= 1e6)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--range must be a positive number up to 1e6, got " + range);
        }
        DensityModel flow = engine.apply(allow.load(model), "plotting");
        if (flow.dimension() != 2 || flow instanceof org.eqflow.core.manifold.ManifoldFlow) {
            throw new CommandLine.ParameterException(spec.commandLine(), "plot draws models of points in the plane (2 columns); "
                    + model + " models " + flow.dimension() + " columns" + (flow instanceof org.eqflow.core.manifold.ManifoldFlow
                    ? " on a manifold" : ""));
        }
        Target t = target == null ? null : Targets.parse(target);
        if (t != null && t.dimension() != 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "target " + target + " has " + t.dimension()
                    + " coordinates, the model 2");
        }
        int k = EstimateOptions.contextSize(flow);
        if (k == 0 && context != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context: " + model + " is not conditional");
        }
        if (k > 0 && context == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), model + " is the conditional density p(x | c) of " + k
                    + " context value(s): give --context v1,...,v" + k + " to draw it at one context");
        }
        if (t != null && t.contextSize() != k) {
            throw new CommandLine.ParameterException(spec.commandLine(), "target " + target + " has " + t.contextSize()
                    + " context value(s), the model " + k);
        }
        double[] c = k == 0 ? new double[0] : EstimateOptions.contextValues(spec.commandLine(), context, k);
        Files.createDirectories(out);
        double r = range != null ? range : defaultRange(flow, c);
        double[] axis = new double[grid];
        for (int i = 0; i < grid; i++) {
            axis[i] = -r + 2 * r * (i + 0.5) / grid;
        }
        double[][] points = new double[grid * grid][];
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                double[] row = Arrays.copyOf(new double[] {axis[i], axis[j]}, 2 + k);
                System.arraycopy(c, 0, row, 2, k);
                points[i * grid + j] = row;
            }
        }
        double[] modelLogP = Arrays.stream(flow.logDensity(Nd4j.create(points), samples, seed))
                .mapToDouble(Iwae.Estimate::logDensity).toArray();
        double[][] modelMap = map(modelLogP, grid);
        double[][] targetMap = null;
        if (t != null) {
            double[] lp = new double[points.length];
            for (int i = 0; i < points.length; i++) {
                lp[i] = t.logDensity(points[i]);
            }
            targetMap = map(lp, grid);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[][] m : targetMap == null ? new double[][][] {modelMap} : new double[][][] {modelMap, targetMap}) {
            for (double[] row : m) {
                for (double v : row) {
                    if (Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (log) {
            lo = Math.max(lo, hi - 20);  // twenty nats below the peak: the far tails would wash the picture out
        } else {
            lo = 0;
        }
        String what = (log ? "log density" : "density") + (k == 0 ? "" : " at c = " + Arrays.toString(c));
        Plots.heatMap(out, "model-density", "model " + what + " (" + model.getFileName() + ")", "x0", axis, "x1", axis, modelMap, lo, hi);
        if (targetMap != null) {
            Plots.heatMap(out, "target-density", "target " + what + " (" + t.spec() + ")", "x0", axis, "x1", axis, targetMap, lo, hi);
        }
        spec.commandLine().getErr().println(String.format(Locale.ROOT, "plot: %d×%d cells of [%s, %s]², M = %d, written to %s",
                grid, grid, fmt(-r), fmt(r), samples, out));
        spec.commandLine().getErr().flush();
        return 0;
    }

    private double[][] map(double[] logP, int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double v = logP[i * n + j];
                m[i][j] = log ? v : Math.exp(v);
            }
        }
        return m;
    }

    private double defaultRange(DensityModel flow, double[] c) {
        INDArray x = c.length == 0 ? flow.sample(1000, seed)
                : ((org.eqflow.core.EquivariantHamiltonianFlow) flow).sample(c, 1000, seed);
        double far = Math.max(Math.abs(x.maxNumber().doubleValue()), Math.abs(x.minNumber().doubleValue()));
        return Math.min(10, Math.max(1e-3, 1.1 * far));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
