package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eqflow.core.Noise;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.manifold.SphereSymmetry;
import org.eqflow.core.manifold.SphereTarget;
import org.eqflow.core.manifold.SuTarget;
import org.eqflow.core.train.FiniteData;
import org.eqflow.core.train.HaarData;

/**
 * Densities on manifolds (docs/manifolds.md). SU(n): the conjugation-invariant flow trained by reverse KL towards
 * {@code su2:boyda1} and {@code su3:boyda2}; plots the learned and the target density of the eigen-angles (SU(3):
 * the plane of θ₁, θ₂, as in the seed's Figure 1; SU(2): the angle θ), and the ESS and KL(q‖p) during training.
 * S²: the flow invariant under rotations about z trained by maximum likelihood on draws of {@code s2:bands}; plots
 * the learned and the target density on a latitude–longitude map.
 */
final class ManifoldExample {
    static final List<String> TARGETS = List.of("su2:boyda1", "su3:boyda2");

    private ManifoldExample() {
    }

    /** Reverse-KL updates per target at each size (the library's default, 1,500, at full size). */
    static int iterations(DemoSize size) {
        return size == DemoSize.TINY ? 4 : size == DemoSize.QUICK ? 100 : size == DemoSize.FULL ? 1500 : 300;
    }

    static String run(DemoContext ctx) throws IOException {
        StringBuilder md = new StringBuilder("## Densities on SU(n): the conjugation-invariant flow (docs/manifolds.md)\n\n")
                .append("Reverse KL towards p(U) ∝ exp[(β/n) Σ_k c_k Re tr U^k] from Haar measure; log-densities with respect to the ")
                .append("normalised Haar measure, ESS and log Ẑ from importance sampling, log Z by quadrature.\n\n")
                .append("| target | updates | ESS (Haar's) | log Ẑ | log Z | KL(q‖p) |\n|---|---|---|---|---|---|\n");
        boolean tiny = ctx.size == DemoSize.TINY;
        int iterations = iterations(ctx.size);
        int batch = tiny ? 32 : 256;
        int draws = tiny ? 200 : ctx.size == DemoSize.FULL ? 20_000 : 4_000;
        Map<String, double[][]> essCurves = Plots.series();
        Map<String, double[][]> klCurves = Plots.series();
        for (String spec : TARGETS) {
            SuTarget target = SuTarget.parse(spec);
            SpectralFlow flow = SpectralFlow.create(new SpectralFlow.Config(target.n(), tiny ? 8 : SpectralFlow.DEFAULT_HIDDEN,
                    tiny ? 4 : SpectralFlow.DEFAULT_STEPS, ctx.seed, SpectralFlow.DEFAULT_LEARNING_RATE, spec));
            HaarData haar = new HaarData(target.n(), ctx.seed);
            int points = Math.max(1, ctx.size.curvePoints());
            List<double[]> curve = new ArrayList<>();
            org.eqflow.core.eval.Importance imp = importance(flow, draws, ctx);
            curve.add(new double[] {0, imp.ess(), imp.reverseKl(target.logNormaliser())});
            for (int i = 0; i < iterations; i++) {
                flow.setLearningRateScale(0.5 * (1 + Math.cos(Math.PI * i / iterations)));
                flow.trainStep(haar.batch(i, batch));
                if ((i + 1) % Math.max(1, iterations / points) == 0 || i + 1 == iterations) {
                    imp = importance(flow, draws, ctx);
                    curve.add(new double[] {i + 1, imp.ess(), imp.reverseKl(target.logNormaliser())});
                }
            }
            essCurves.put(spec, columns(curve, 1));
            klCurves.put(spec, columns(curve, 2));
            md.append(String.format(Locale.ROOT, "| %s | %d | %.3f ± %.3f (%.3f) | %.4f ± %.4f | %.4f | %.4f |%n", spec, iterations,
                    imp.ess(), imp.essStderr(), target.haarEss(), imp.logZ(), imp.logZStderr(), target.logNormaliser(), imp.reverseKl(target.logNormaliser())));
            if (target.n() == 2) {
                plotSu2(ctx, flow, target);
            } else {
                plotSu3(ctx, flow, target);
            }
            ctx.step("manifold: " + spec);
        }
        md.append(sphere(ctx));
        Plots.lines(ctx.out, "manifold-ess", "ESS of the importance weights p̃/q during training", "update", "ESS per sample",
                essCurves);
        Plots.lines(ctx.out, "manifold-kl", "KL(q‖p) during training", "update", "nats", klCurves);
        md.append("\n![SU(3) eigen-angle densities](manifold-su3-target.png) ![learned](manifold-su3-flow.png)\n\n")
                .append("![SU(2) angle density](manifold-su2.png) ![ESS](manifold-ess.png) ![KL](manifold-kl.png)\n\n")
                .append("The SU(3) maps are densities of (θ₁, θ₂) on [−π, π]² (θ₃ = −θ₁ − θ₂), Weyl factor included; SU(2)'s is ")
                .append("the density of the angle θ of the eigenvalues e^{±iθ} on [0, π].\n\n");
        return md.toString();
    }

    /** Maximum-likelihood updates on S² at each size. */
    static int sphereIterations(DemoSize size) {
        return size == DemoSize.TINY ? 4 : size == DemoSize.QUICK ? 150 : size == DemoSize.FULL ? 3000 : 600;
    }

    /** The sphere: training on draws of the bands, the held-out gap to the entropy, the latitude–longitude maps. */
    private static String sphere(DemoContext ctx) throws IOException {
        SphereTarget target = SphereTarget.parse("s2:bands");
        boolean tiny = ctx.size == DemoSize.TINY;
        int n = tiny ? 200 : 10_000;
        FiniteData data = new FiniteData(target.sample(n, Noise.stream(ctx.seed, 0, Noise.Purpose.DATA)), ctx.seed);
        double[][] test = target.sample(tiny ? 200 : 10_000, Noise.stream(ctx.seed, 1, Noise.Purpose.DATA));
        SphereFlow flow = SphereFlow.create(new SphereFlow.Config(SphereSymmetry.AXIS_Z, tiny ? 8 : SphereFlow.DEFAULT_HIDDEN,
                tiny ? 4 : SphereFlow.DEFAULT_STEPS, ctx.seed, SphereFlow.DEFAULT_LEARNING_RATE));
        int iterations = sphereIterations(ctx.size);
        for (int i = 0; i < iterations; i++) {
            flow.setLearningRateScale(0.5 * (1 + Math.cos(Math.PI * i / iterations)));
            flow.trainStep(data.batch(i, tiny ? 64 : SphereFlow.DEFAULT_BATCH));
        }
        double nll = -java.util.Arrays.stream(flow.inverse(test).logDensity()).average().orElse(Double.NaN);
        plotSphere(ctx, flow, target);
        ctx.step("manifold: " + target.name());
        return String.format(Locale.ROOT, "### The sphere S²: invariant under rotations about z%n%n"
                        + "Maximum likelihood on %d draws of %s (two bands in the height z); log-densities with respect to area.%n%n"
                        + "| target | updates | held-out NLL | entropy | NLL − entropy |%n|---|---|---|---|---|%n"
                        + "| %s | %d | %.4f | %.4f | %.4f |%n%n"
                        + "![S² target](manifold-s2-target.png) ![learned](manifold-s2-flow.png)%n%n",
                n, target.name(), target.name(), iterations, nll, target.entropy(), nll - target.entropy());
    }

    /** Densities with respect to area on a latitude–longitude grid: {@code (cos λ cos φ, cos λ sin φ, sin λ)}. */
    private static void plotSphere(DemoContext ctx, SphereFlow flow, SphereTarget target) throws IOException {
        int m = Math.max(8, ctx.size.grid() + 14);
        double[] longitude = new double[2 * m];
        double[] latitude = new double[m];
        for (int i = 0; i < 2 * m; i++) {
            longitude[i] = -Math.PI + 2 * Math.PI * (i + 0.5) / (2 * m);
        }
        for (int j = 0; j < m; j++) {
            latitude[j] = -Math.PI / 2 + Math.PI * (j + 0.5) / m;
        }
        double[][] x = new double[2 * m * m][];
        for (int i = 0; i < 2 * m; i++) {
            for (int j = 0; j < m; j++) {
                double c = Math.cos(latitude[j]);
                x[i * m + j] = new double[] {c * Math.cos(longitude[i]), c * Math.sin(longitude[i]), Math.sin(latitude[j])};
            }
        }
        double[] logq = flow.inverse(x).logDensity();
        double logZ = target.logNormaliser();
        double[][] learned = new double[2 * m][m];
        double[][] truth = new double[2 * m][m];
        for (int i = 0; i < 2 * m; i++) {
            for (int j = 0; j < m; j++) {
                learned[i][j] = Math.exp(logq[i * m + j]);
                truth[i][j] = Math.exp(target.logUnnormalised(x[i * m + j]) - logZ);
            }
        }
        Plots.heatMap(ctx.out, "manifold-s2-target", "S² " + target.name() + ": target density (per unit area)", "longitude", longitude,
                "latitude", latitude, truth);
        Plots.heatMap(ctx.out, "manifold-s2-flow", "S²: the flow's density (invariant about z)", "longitude", longitude, "latitude",
                latitude, learned);
    }

    private static org.eqflow.core.eval.Importance importance(SpectralFlow flow, int draws, DemoContext ctx) {
        return flow.importance(draws, Noise.stream(ctx.seed, 0, Noise.Purpose.EVALUATION));
    }

    private static double[][] columns(List<double[]> rows, int column) {
        double[][] s = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            s[0][i] = rows.get(i)[0];
            s[1][i] = rows.get(i)[column];
        }
        return s;
    }

    /** The density of θ ∈ [0, π] (eigenvalues e^{±iθ}): {@code 2 f(θ) sin²θ / π} for a class function's density f. */
    private static void plotSu2(DemoContext ctx, SpectralFlow flow, SuTarget target) throws IOException {
        int m = Math.max(16, ctx.size.grid() * 2);
        double[] x = new double[m];
        double[][] theta = new double[m][];
        for (int i = 0; i < m; i++) {
            x[i] = Math.PI * (i + 0.5) / m;
            theta[i] = new double[] {x[i], -x[i]};
        }
        double[] logq = flow.inverse(theta).logDensity();
        double[] learned = new double[m];
        double[] truth = new double[m];
        double logZ = target.logNormaliser();
        for (int i = 0; i < m; i++) {
            double weyl = 2 * Math.sin(x[i]) * Math.sin(x[i]) / Math.PI;
            learned[i] = Math.exp(logq[i]) * weyl;
            truth[i] = Math.exp(target.action(theta[i]) - logZ) * weyl;
        }
        Map<String, double[][]> s = Plots.series();
        s.put("target " + target.name(), new double[][] {x, truth});
        s.put("flow", new double[][] {x, learned});
        s.put("Haar measure", new double[][] {x, java.util.Arrays.stream(x).map(t -> 2 * Math.sin(t) * Math.sin(t) / Math.PI).toArray()});
        Plots.lines(ctx.out, "manifold-su2", "SU(2): density of the eigen-angle θ", "θ", "density", s);
    }

    /** Densities of (θ₁, θ₂) on [−π, π]²: {@code f(θ) |Δ(e^{iθ})|² / (3! (2π)²)} for a class function's density f. */
    private static void plotSu3(DemoContext ctx, SpectralFlow flow, SuTarget target) throws IOException {
        int m = Math.max(8, ctx.size.grid() + 14);
        double[] axis = DemoContext.axis(Math.PI, m);
        double[][] theta = new double[m * m][];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                theta[i * m + j] = new double[] {axis[i], axis[j], -axis[i] - axis[j]};
            }
        }
        double[] logq = flow.inverse(theta).logDensity();
        double logZ = target.logNormaliser();
        double[][] learned = new double[m][m];
        double[][] truth = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double[] t = theta[i * m + j];
                double weyl = org.eqflow.core.manifold.WeylIntegral.vandermonde(t) / (6 * 4 * Math.PI * Math.PI);
                // Where two eigenvalues meet the Weyl factor is 0 and the field's cot term has no value: density 0.
                learned[i][j] = weyl < 1e-12 || !Double.isFinite(logq[i * m + j]) ? 0 : Math.exp(logq[i * m + j]) * weyl;
                truth[i][j] = Math.exp(target.action(t) - logZ) * weyl;
            }
        }
        Plots.heatMap(ctx.out, "manifold-su3-target", "SU(3) " + target.name() + ": target density of (θ₁, θ₂)", axis, truth);
        Plots.heatMap(ctx.out, "manifold-su3-flow", "SU(3): the flow's density of (θ₁, θ₂)", axis, learned);
    }
}
