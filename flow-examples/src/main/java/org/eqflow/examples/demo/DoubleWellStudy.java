package org.eqflow.examples.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Threads;
import org.eqflow.core.eval.Importance;
import org.eqflow.core.eval.ReverseKlEvaluation;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.target.Metropolis;
import org.eqflow.core.target.ParticleDoubleWell;

/**
 * Flows trained by reverse KL on the 4-particle double well ({@code dw4}) against a long seeded Metropolis run: the
 * histogram of the pair distances of the flow's draws, as drawn and reweighted by their importance weights, against
 * the chains', with the total variation distance {@code ½ Σ |p_b − r_b|} over {@value #BINS} bins of [0, 8] and the
 * ESS. The noise floor is the distance between the two halves of the chains (each half its own set of chains).
 * Run by {@code flow-examples/scripts/dw4-bar.sh}; writes {@code dw4-distances.png/.csv} into OUT_DIR and prints a
 * table.
 *
 * <p>Arguments: {@code OUT_DIR LABEL=MODEL.zip ...}.
 */
public final class DoubleWellStudy {
    static final int BINS = 80;
    static final double MAX_DISTANCE = 8;
    /** Metropolis: chains, kept states per chain, burn-in, thinning, start scale, step. */
    static final int CHAINS = 32;
    static final int PER_CHAIN = 5000;
    static final int BURN_IN = 50_000;
    static final int THIN = 100;
    static final double START = 2.5;
    static final double STEP = 0.3;
    static final int DRAWS = 20_000;

    private DoubleWellStudy() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: DoubleWellStudy OUT_DIR LABEL=MODEL.zip ...");
            System.exit(2);
        }
        Threads.useSingleThread();
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        ParticleDoubleWell dw = new ParticleDoubleWell(4);
        long t0 = System.nanoTime();
        Metropolis a = Metropolis.run(dw, CHAINS / 2, PER_CHAIN, BURN_IN, THIN, START, STEP, 1);
        Metropolis b = Metropolis.run(dw, CHAINS / 2, PER_CHAIN, BURN_IN, THIN, START, STEP, 2);
        double[] ha = histogram(dw, a.samples(), null);
        double[] hb = histogram(dw, b.samples(), null);
        double[] reference = new double[BINS];
        for (int i = 0; i < BINS; i++) {
            reference[i] = 0.5 * (ha[i] + hb[i]);
        }
        System.out.printf(Locale.ROOT, "Metropolis: %d chains × %d states (burn-in %d, every %d-th step kept), acceptance %.3f, %.0f s;"
                        + " its halves differ by TV %.4f%n", CHAINS, PER_CHAIN, BURN_IN, THIN, 0.5 * (a.acceptance() + b.acceptance()),
                (System.nanoTime() - t0) / 1e9, tv(ha, hb));
        Map<String, double[][]> series = new LinkedHashMap<>();
        double[] centres = new double[BINS];
        for (int i = 0; i < BINS; i++) {
            centres[i] = (i + 0.5) * MAX_DISTANCE / BINS;
        }
        series.put("Metropolis", new double[][] {centres, density(reference)});
        System.out.println("| model | ESS per draw | bound E[−log w] | TV(flow, MCMC) | TV(reweighted flow, MCMC) |");
        System.out.println("|---|---|---|---|---|");
        for (int k = 1; k < args.length; k++) {
            String label = args[k].substring(0, args[k].indexOf('='));
            EquivariantHamiltonianFlow flow = (EquivariantHamiltonianFlow) ModelFile.loadModel(Path.of(args[k].substring(args[k].indexOf('=') + 1)));
            Importance imp = ReverseKlEvaluation.importance(flow, dw, DRAWS, 5, ReverseKlEvaluation.DEFAULT_INNER);
            ReverseKlEvaluation.Draws draws = ReverseKlEvaluation.draws(flow, dw, DRAWS, 6, 0, ReverseKlEvaluation.DEFAULT_INNER);
            double[] plain = histogram(dw, draws.points(), null);
            double[] weighted = histogram(dw, draws.points(), draws.logWeights());
            System.out.printf(Locale.ROOT, "| %s | %.3f ± %.3f | %.3f ± %.3f | %.4f | %.4f |%n", label, imp.ess(), imp.essStderr(), imp.bound(),
                    imp.boundStderr(), tv(plain, reference), tv(weighted, reference));
            series.put(label, new double[][] {centres, density(plain)});
            series.put(label + " reweighted", new double[][] {centres, density(weighted)});
        }
        Plots.lines(out, "dw4-distances", "DW-4: pair distances", "distance", "density", series);
    }

    /** Normalised counts of every pair distance, weighted by {@code exp(logWeights)} (self-normalised) when given. */
    static double[] histogram(ParticleDoubleWell dw, double[][] points, double[] logWeights) {
        double max = Double.NEGATIVE_INFINITY;
        if (logWeights != null) {
            for (double v : logWeights) {
                max = Math.max(max, v);
            }
        }
        double[] h = new double[BINS];
        double total = 0;
        for (int i = 0; i < points.length; i++) {
            double w = logWeights == null ? 1 : Math.exp(logWeights[i] - max);
            for (double dist : dw.distances(points[i])) {
                int bin = (int) (dist / MAX_DISTANCE * BINS);
                if (bin < BINS) {
                    h[bin] += w;
                }
                total += w;
            }
        }
        for (int i = 0; i < BINS; i++) {
            h[i] /= total;
        }
        return h;
    }

    static double tv(double[] p, double[] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += Math.abs(p[i] - q[i]);
        }
        return s / 2;
    }

    private static double[] density(double[] h) {
        double[] out = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            out[i] = h[i] * BINS / MAX_DISTANCE;
        }
        return out;
    }
}
