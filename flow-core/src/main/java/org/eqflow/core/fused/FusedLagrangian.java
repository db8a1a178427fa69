package org.eqflow.core.fused;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training loss of the model and the gradients of all its weights, derived by hand: the same
 * Lagrangian as the SameDiff graph ({@code EquivariantHamiltonianFlow}, docs/maths.md),
 *
 * <pre>
 *   L = −(1/B) Σ_b [ log π(T⁻¹(q_b, p_b)) − log h(p_b|q_b) ]  +  Σ_k λ_k (C_k − κ),   p_b = μ(q_b) + σ(q_b) ⊙ ε_b
 * </pre>
 *
 * computed forward and backward on preallocated {@link Dense} buffers with BLAS matrix products, in a
 * handful of fused element-wise loops per layer instead of ~370 graph ops. The inverse Leap-Frog flow is
 * stored on the way down and differentiated on the way back (each {@code ∇U} at a point shared by two
 * steps is evaluated and differentiated once, as in the graph); the penalty's brackets use the generators'
 * matrices, {@code {g_A, H} = Σ_ij A_ij (p_i ∂K/∂p_j − ∂U/∂q_i q_j)}, with only the non-zero entries.
 *
 * <p>Supported ({@link #unsupportedReason}): softplus-MLP energies (a quadratic kinetic energy too), shared
 * or separate Hamiltonians, learnable or fixed steps, any base density, linear generators with the
 * soft constraint or none, penalty at base samples. Anything else trains through the graph.
 *
 * <p>Float32 models: matrix products in SGEMM, element-wise work in double with vectorised
 * transcendentals ({@link Transcendentals}); float64 models: DGEMM and exact {@code Math} functions.
 */
public final class FusedLagrangian {
    private final FlowConfig config;
    private final Blas blas;
    /** Rows per block of {@link #logWeights}: bounds its buffers (~65 MB at hidden 128, 2 steps). */
    static final int EVALUATION_BLOCK = 2048;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final List<List<Param>> kinetic = new ArrayList<>();
    private final List<List<Param>> potential = new ArrayList<>();
    private final List<Param> logSteps = new ArrayList<>();
    private final List<Param> encoderMean;
    private final List<Param> encoderLogScale;
    private final BaseDensity base;
    private final int[][] generatorEntries;
    private final double[][] generatorValues;
    private final boolean soft;
    private final java.util.Set<String> taken = new java.util.HashSet<>();
    private Workspace ws;
    private Workspace evalWs;
    private final HostArrays host = new HostArrays();

    /** What one evaluation gives: the loss, {@code −mean ELBO}, {@code C_k}, and a gradient per parameter (c order). */
    public record Result(double loss, double negElbo, double[] constraints, Map<String, double[]> gradients) {
    }

    /**
     * @param parameterShapes every parameter of the model by name, with its shape (the graph's names)
     * @throws IllegalArgumentException if {@link #unsupportedReason} is not empty
     */
    public FusedLagrangian(FlowConfig config, Map<String, long[]> parameterShapes) {
        unsupportedReason(config).ifPresent(r -> {
            throw new IllegalArgumentException("the fused training path does not support this model: " + r);
        });
        this.config = config;
        this.blas = new Blas(config.precision() == FlowConfig.Precision.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT);
        parameterShapes.forEach((name, shape) -> {
            if (shape.length != 2) {
                throw new IllegalArgumentException("parameter " + name + " is not a matrix: " + java.util.Arrays.toString(shape));
            }
            params.put(name, new Param(name, Math.toIntExact(shape[0]), Math.toIntExact(shape[1])));
        });
        int count = config.separateHamiltonians() ? config.leapfrogSteps() : 1;
        for (int i = 0; i < count; i++) {
            String suffix = count == 1 ? "" : Integer.toString(i);
            kinetic.add(config.kinetic() == FlowConfig.Kinetic.QUADRATIC ? null : take("kin" + suffix, "W1", "b1", "W2", "b2", "w3"));
            potential.add(take("pot" + suffix, "W1", "b1", "W2", "b2", "w3"));
        }
        if (config.learnableStepSize()) {
            for (int i = 0; i < config.leapfrogSteps(); i++) {
                logSteps.add(take("logStep" + i).get(0));
            }
        }
        encoderMean = take("encMu", "W1", "b1", "W2", "b2", "W3", "b3");
        encoderLogScale = take("encSigma", "W1", "b1", "W2", "b2", "W3", "b3");
        if (taken.size() != params.size()) {
            throw new IllegalArgumentException("the model has parameters the fused path does not know: " + parameterShapes.keySet());
        }
        this.base = config.baseDensity();
        this.soft = config.constraint() == FlowConfig.Constraint.SOFT;
        List<Generator> gens = config.symmetry().map(Symmetry::generators).orElse(List.of());
        int d = config.dimension();
        generatorEntries = new int[gens.size()][];
        generatorValues = new double[gens.size()][];
        for (int k = 0; k < gens.size(); k++) {
            double[][] a = gens.get(k).matrix().orElseThrow();
            List<int[]> nz = new ArrayList<>();
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    if (a[i][j] != 0) {
                        nz.add(new int[] {i, j});
                    }
                }
            }
            generatorEntries[k] = new int[2 * nz.size()];
            generatorValues[k] = new double[nz.size()];
            for (int e = 0; e < nz.size(); e++) {
                generatorEntries[k][2 * e] = nz.get(e)[0];
                generatorEntries[k][2 * e + 1] = nz.get(e)[1];
                generatorValues[k][e] = a[nz.get(e)[0]][nz.get(e)[1]];
            }
        }
    }

    /** Why the fused path cannot compute this model's loss, or empty if it can. */
    public static Optional<String> unsupportedReason(FlowConfig config) {
        if (config.constraint() == FlowConfig.Constraint.HARD) {
            return Optional.of("the hard constraint's radial energies are only in the graph");
        }
        if (config.penaltySites() != FlowConfig.PenaltySites.BASE && config.constraint() == FlowConfig.Constraint.SOFT
                && config.symmetry().isPresent()) {
            return Optional.of("penalty sites along the flow are only in the graph");
        }
        Optional<Symmetry> symmetry = config.symmetry();
        if (symmetry.isPresent()) {
            for (Generator g : symmetry.get().generators()) {
                if (g.matrix().isEmpty()) {
                    return Optional.of("generator " + g.name() + " is not linear (pᵀAq)");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The loss and every gradient, in the model's space.
     *
     * @param values   the current parameter values by name (the graph's arrays)
     * @param q        data points {@code [B, d]}
     * @param noise    encoder noise {@code [B, d]}
     * @param penaltyQ base samples for the penalty, positions {@code [B', d]} (null without a symmetry)
     * @param penaltyP their momenta
     * @param lambda   the multipliers (used with the soft constraint)
     */
    public Result evaluate(Map<String, INDArray> values, INDArray q, INDArray noise, INDArray penaltyQ,
                           INDArray penaltyP, double[] lambda) {
        loadValues(values);
        for (Param p : params.values()) {
            p.grad.zero();
        }
        int b = Math.toIntExact(q.rows());
        int bp = penaltyQ == null ? 0 : Math.toIntExact(penaltyQ.rows());
        if (ws == null || ws.batch != b || ws.penaltyBatch != bp) {
            ws = new Workspace(b, bp);
        }
        read(q, ws.q[0]);
        read(noise, ws.noise);
        double negElbo = elbo();
        double[] constraints = new double[generatorEntries.length];
        double loss = negElbo;
        if (bp > 0) {
            read(penaltyQ, ws.penaltyQ);
            read(penaltyP, ws.penaltyP);
            loss += penalty(constraints, lambda);
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (Param p : params.values()) {
            grads.put(p.name, p.grad.v.clone());
        }
        return new Result(loss, negElbo, constraints, grads);
    }

    /**
     * The importance log-weights {@code log w = log π(T⁻¹(q, p)) − log h(p|q)} of each row, {@code p} drawn
     * with the given noise: the forward half of {@link #evaluate}, in blocks of {@value #EVALUATION_BLOCK} rows.
     */
    public double[] logWeights(Map<String, INDArray> values, INDArray q, INDArray noise) {
        loadValues(values);
        int rows = Math.toIntExact(q.rows());
        int d = config.dimension();
        double[] qAll = new double[rows * d];
        double[] noiseAll = new double[rows * d];
        host.read(q, qAll);
        host.read(noise, noiseAll);
        int block = Math.min(rows, EVALUATION_BLOCK);
        if (evalWs == null || evalWs.batch != block) {
            evalWs = new Workspace(block, 0);
        }
        double[] out = new double[rows];
        double[] blockOut = new double[block];
        for (int start = 0; start < rows; start += block) {
            int count = Math.min(block, rows - start);
            // a short last block is padded with zeros, whose weights are dropped
            java.util.Arrays.fill(evalWs.q[0].v, 0.0);
            java.util.Arrays.fill(evalWs.noise.v, 0.0);
            System.arraycopy(qAll, start * d, evalWs.q[0].v, 0, count * d);
            System.arraycopy(noiseAll, start * d, evalWs.noise.v, 0, count * d);
            forward(evalWs, blockOut);
            System.arraycopy(blockOut, 0, out, start, count);
        }
        return out;
    }

    // ---------------------------------------------------------------- ELBO through the inverse flow

    /**
     * The encoder draw and the inverse flow of the rows in {@code w}: returns {@code Σ_b log w_b} and,
     * when {@code rowLogWeights} is not null, writes each {@code log w_b = log π(T⁻¹(q_b, p_b)) − log h(p_b|q_b)}.
     */
    private double forward(Workspace w, double[] rowLogWeights) {
        int steps = config.leapfrogSteps();
        int b = w.batch;
        int d = config.dimension();
        // encoder: p = μ + σ ⊙ ε,  log h = Σ (−ε²/2 − log σ) − (d/2) log 2π
        Dense mu = w.mean.forward(w.q[0]);
        Dense logSigma = w.logScale.forward(w.q[0]);
        double[] pv = w.p[0].v;
        double[] sv = w.sigma.v;
        double[] ev = w.noise.v;
        double[] logH = w.rowLogH;
        double constant = -0.5 * Math.log(2 * Math.PI) * d;
        for (int r = 0, i = 0; r < b; r++) {
            double sum = constant;
            for (int j = 0; j < d; j++, i++) {
                double s = Math.exp(logSigma.v[i]);
                sv[i] = s;
                pv[i] = mu.v[i] + s * ev[i];
                sum += -0.5 * ev[i] * ev[i] - logSigma.v[i];
            }
            logH[r] = sum;
        }
        // inverse flow: blocks L..1 with h = −ε_i
        double[] h = w.stepSigned;
        for (int n = 0; n < steps; n++) {
            int block = steps - 1 - n;
            h[n] = -stepSize(block);
            SoftplusGradient start = w.start[n];
            Dense gU0 = start == w.end(n - 1) ? start.out : start.forward(w.q[n]);
            w.pHalf[n].setSum(w.p[n], -h[n] / 2, gU0);
            Dense gK = w.kin[n] == null ? w.pHalf[n] : w.kin[n].forward(w.pHalf[n]);
            w.q[n + 1].setSum(w.q[n], h[n], gK);
            Dense gU1 = w.end(n).forward(w.q[n + 1]);
            w.p[n + 1].setSum(w.pHalf[n], -h[n] / 2, gU1);
        }
        double[] q0 = w.q[steps].v;
        double[] p0 = w.p[steps].v;
        double total = 0;
        for (int r = 0, i = 0; r < b; r++) {
            double logPi = 0;
            for (int j = 0; j < d; j++, i++) {
                logPi += base.logDensityCoordinate(q0[i]) + base.logDensityCoordinate(p0[i]);
            }
            double logW = logPi - logH[r];
            if (rowLogWeights != null) {
                rowLogWeights[r] = logW;
            }
            total += logW;
        }
        return total;
    }

    private double elbo() {
        Workspace w = ws;
        int steps = config.leapfrogSteps();
        int b = w.batch;
        double negElbo = -forward(w, null) / b;
        double[] h = w.stepSigned;
        double[] sv = w.sigma.v;
        double[] ev = w.noise.v;

        // backward: adjoints of q and p, from the base density down to the data
        Dense qBar = w.qBar;
        Dense pBar = w.pBar;
        gradBase(w.q[steps], qBar, -1.0 / b);
        gradBase(w.p[steps], pBar, -1.0 / b);
        for (SoftplusGradient node : w.potentialNodes) {
            w.upstream.get(node).zero();
        }
        for (int n = steps - 1; n >= 0; n--) {
            int block = steps - 1 - n;
            SoftplusGradient end = w.end(n);
            SoftplusGradient start = w.start[n];
            double hBar = 0;
            // p_{n+1} = p½ − (h/2) ∇U(q_{n+1})
            hBar += -0.5 * pBar.dot(end.out);
            w.upstream.get(end).addScaled(-h[n] / 2, pBar);
            end.backward(w.upstream.get(end), qBar);
            // q_{n+1} = q_n + h ∇K(p½)
            Dense gK = w.kin[n] == null ? w.pHalf[n] : w.kin[n].out;
            hBar += qBar.dot(gK);
            if (w.kin[n] == null) {
                pBar.addScaled(h[n], qBar);
            } else {
                w.scaled.setScaled(h[n], qBar);
                w.kin[n].backward(w.scaled, pBar);
            }
            // p½ = p_n − (h/2) ∇U(q_n)
            hBar += -0.5 * pBar.dot(start.out);
            w.upstream.get(start).addScaled(-h[n] / 2, pBar);
            if (start != w.end(n - 1)) {
                start.backward(w.upstream.get(start), n == 0 ? null : qBar);
            }
            if (config.learnableStepSize()) {
                // h = −exp(logStep): dh/dlogStep = h
                logSteps.get(block).grad.v[0] += hBar * h[n];
            }
        }
        // encoder: μ̄ = p̄,  (log σ)‾ = p̄ ⊙ σ ⊙ ε − 1/B
        double[] lb = w.logScaleBar.v;
        double[] pb = pBar.v;
        for (int i = 0; i < lb.length; i++) {
            lb[i] = pb[i] * sv[i] * ev[i] - 1.0 / b;
        }
        w.mean.backward(pBar);
        w.logScale.backward(w.logScaleBar);
        return negElbo;
    }

    private double stepSize(int block) {
        return config.learnableStepSize() ? Math.exp(logSteps.get(block).value.v[0]) : config.stepSize();
    }

    private void gradBase(Dense x, Dense out, double scale) {
        for (int i = 0; i < x.v.length; i++) {
            out.v[i] = scale * base.gradLogDensityCoordinate(x.v[i]);
        }
    }

    // ---------------------------------------------------------------- penalty

    /** Fills {@code C_k} and returns {@code Σ_k λ_k (C_k − κ)} (soft) or 0, accumulating its gradients. */
    private double penalty(double[] constraints, double[] lambda) {
        Workspace w = ws;
        int g = generatorEntries.length;
        int bp = w.penaltyBatch;
        int d = config.dimension();
        double[] qv = w.penaltyQ.v;
        double[] pv = w.penaltyP.v;
        double[] br = w.brackets;
        for (int hIndex = 0; hIndex < potential.size(); hIndex++) {
            Dense gradK = w.penaltyKin.get(hIndex) == null ? w.penaltyP : w.penaltyKin.get(hIndex).forward(w.penaltyP);
            Dense gradU = w.penaltyPot.get(hIndex).forward(w.penaltyQ);
            double[] av = gradK.v;
            double[] uv = gradU.v;
            for (int k = 0; k < g; k++) {
                int[] e = generatorEntries[k];
                double[] a = generatorValues[k];
                double sum = 0;
                for (int r = 0, o = 0; r < bp; r++, o += d) {
                    double v = 0;
                    for (int t = 0; t < a.length; t++) {
                        int i = e[2 * t];
                        int j = e[2 * t + 1];
                        v += a[t] * (pv[o + i] * av[o + j] - uv[o + i] * qv[o + j]);
                    }
                    br[k * bp + r] = v;
                    sum += v * v;
                }
                constraints[k] += sum / bp;
            }
            if (!soft) {
                continue;
            }
            // ∂/∂br = 2 λ_k br / B';  ā_j += br̄ Σ_i A_ij p_i;  ū_i −= br̄ Σ_j A_ij q_j
            Dense aBar = w.penaltyKBar;
            Dense uBar = w.penaltyUBar;
            aBar.zero();
            uBar.zero();
            for (int k = 0; k < g; k++) {
                int[] e = generatorEntries[k];
                double[] a = generatorValues[k];
                double scale = 2 * lambda[k] / bp;
                for (int r = 0, o = 0; r < bp; r++, o += d) {
                    double c = scale * br[k * bp + r];
                    for (int t = 0; t < a.length; t++) {
                        int i = e[2 * t];
                        int j = e[2 * t + 1];
                        aBar.v[o + j] += c * a[t] * pv[o + i];
                        uBar.v[o + i] -= c * a[t] * qv[o + j];
                    }
                }
            }
            if (w.penaltyKin.get(hIndex) != null) {
                w.penaltyKin.get(hIndex).backward(aBar, null);
            }
            w.penaltyPot.get(hIndex).backward(uBar, null);
        }
        if (!soft) {
            return 0;
        }
        double term = 0;
        for (int k = 0; k < g; k++) {
            term += lambda[k] * (constraints[k] - config.kappa());
        }
        return term;
    }

    // ---------------------------------------------------------------- buffers

    /** Every buffer of one batch size. */
    private final class Workspace {
        final int batch;
        final int penaltyBatch;
        final Dense[] q;
        final Dense[] p;
        final Dense[] pHalf;
        final Dense noise;
        final Dense sigma;
        final double[] rowLogH;
        final double[] stepSigned;
        final Dense logScaleBar;
        final Dense qBar;
        final Dense pBar;
        final Dense scaled;
        final ReluMlp mean;
        final ReluMlp logScale;
        final SoftplusGradient[] start;
        final SoftplusGradient[] endNodes;
        final SoftplusGradient[] kin;
        final List<SoftplusGradient> potentialNodes = new ArrayList<>();
        final Map<SoftplusGradient, Dense> upstream = new java.util.IdentityHashMap<>();
        final Dense penaltyQ;
        final Dense penaltyP;
        final Dense penaltyKBar;
        final Dense penaltyUBar;
        /** {@code {g_k, H}} of every generator and penalty row, generator-major. */
        final double[] brackets;
        final List<SoftplusGradient> penaltyKin = new ArrayList<>();
        final List<SoftplusGradient> penaltyPot = new ArrayList<>();

        Workspace(int batch, int penaltyBatch) {
            this.batch = batch;
            this.penaltyBatch = penaltyBatch;
            int d = config.dimension();
            int hidden = config.hidden();
            int steps = config.leapfrogSteps();
            SoftplusGradient.Scratch flowScratch = new SoftplusGradient.Scratch(batch, hidden);
            SoftplusGradient.Scratch penaltyScratch = penaltyBatch == batch ? flowScratch
                    : new SoftplusGradient.Scratch(penaltyBatch, hidden);
            q = new Dense[steps + 1];
            p = new Dense[steps + 1];
            pHalf = new Dense[steps];
            for (int n = 0; n <= steps; n++) {
                q[n] = new Dense(batch, d);
                p[n] = new Dense(batch, d);
            }
            noise = new Dense(batch, d);
            sigma = new Dense(batch, d);
            rowLogH = new double[batch];
            stepSigned = new double[steps];
            logScaleBar = new Dense(batch, d);
            qBar = new Dense(batch, d);
            pBar = new Dense(batch, d);
            scaled = new Dense(batch, d);
            Dense encoderScratch = new Dense(batch, hidden);
            mean = new ReluMlp(blas, encoderMean, batch, encoderScratch);
            logScale = new ReluMlp(blas, encoderLogScale, batch, encoderScratch);
            start = new SoftplusGradient[steps];
            endNodes = new SoftplusGradient[steps];
            kin = new SoftplusGradient[steps];
            boolean shared = potential.size() == 1;
            for (int n = 0; n < steps; n++) {
                pHalf[n] = new Dense(batch, d);
                int hIndex = shared ? 0 : steps - 1 - n;
                List<Param> u = potential.get(hIndex);
                start[n] = shared && n > 0 ? endNodes[n - 1] : node(u, batch, flowScratch);
                endNodes[n] = node(u, batch, flowScratch);
                List<Param> k = kinetic.get(hIndex);
                kin[n] = k == null ? null : new SoftplusGradient(blas, k, batch, flowScratch);
            }
            if (penaltyBatch > 0) {
                penaltyQ = new Dense(penaltyBatch, d);
                penaltyP = new Dense(penaltyBatch, d);
                penaltyKBar = new Dense(penaltyBatch, d);
                penaltyUBar = new Dense(penaltyBatch, d);
                brackets = new double[generatorEntries.length * penaltyBatch];
                for (int hIndex = 0; hIndex < potential.size(); hIndex++) {
                    List<Param> k = kinetic.get(hIndex);
                    penaltyKin.add(k == null ? null : new SoftplusGradient(blas, k, penaltyBatch, penaltyScratch));
                    penaltyPot.add(new SoftplusGradient(blas, potential.get(hIndex), penaltyBatch, penaltyScratch));
                }
            } else {
                penaltyQ = null;
                penaltyP = null;
                penaltyKBar = null;
                penaltyUBar = null;
                brackets = null;
            }
        }

        private SoftplusGradient node(List<Param> u, int batch, SoftplusGradient.Scratch scratch) {
            SoftplusGradient g = new SoftplusGradient(blas, u, batch, scratch);
            potentialNodes.add(g);
            upstream.put(g, new Dense(batch, config.dimension()));
            return g;
        }

        /** The node of {@code ∇U} at the end of step {@code n}, or null before the first step. */
        SoftplusGradient end(int n) {
            return n < 0 ? null : endNodes[n];
        }
    }

    // ---------------------------------------------------------------- helpers

    private List<Param> take(String prefix, String... names) {
        List<Param> out = new ArrayList<>();
        if (names.length == 0) {
            out.add(require(prefix));
        }
        for (String n : names) {
            out.add(require(prefix + n));
        }
        return out;
    }

    private Param require(String name) {
        Param p = params.get(name);
        taken.add(name);
        if (p == null) {
            throw new IllegalArgumentException("the model has no parameter " + name + " (has " + params.keySet() + ")");
        }
        return p;
    }

    private void loadValues(Map<String, INDArray> values) {
        for (Param p : params.values()) {
            INDArray v = values.get(p.name);
            if (v == null) {
                throw new IllegalArgumentException("no value for parameter " + p.name);
            }
            read(v, p.value);
        }
    }

    private void read(INDArray a, Dense out) {
        if (a.length() != out.size()) {
            throw new IllegalArgumentException("expected " + out.rows + "×" + out.cols + " values, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        host.read(a, out.v);
    }
}
