package org.eqflow.core.fused;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.symmetry.CompositeSymmetry;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.SpecialOrthogonal;
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
 * handful of fused element-wise loops per layer instead of ~370 graph ops. The flow is a
 * {@link FusedFlow.Tape} (each {@code ∇U} at a point shared by two steps evaluated and differentiated once,
 * as in the graph); each energy's input gradient is a {@link GradientKernel} (softplus MLP, radial MLP of
 * the hard constraint, or the quadratic kinetic energy); the penalty's brackets use the generators'
 * matrices, {@code {g_A, H} = Σ_ij A_ij (p_i ∂K/∂p_j − ∂U/∂q_i q_j)}, with only the non-zero entries, at
 * base samples or along their forward flow. The same engine gives the forward flow (sampling) and
 * {@code C_k} without gradients.
 *
 * <p>Supported ({@link #unsupportedReason}): every configuration whose generators have a
 * {@code matrix()} (any generator under the hard constraint, whose energies are radial). Anything else
 * runs through the graph.
 *
 * <p>Float32 models: matrix products in SGEMM, element-wise work in double with vectorised
 * transcendentals ({@link Transcendentals}); float64 models: DGEMM and exact {@code Math} functions.
 */
public final class FusedLagrangian {
    private final Spec config;
    private final Blas blas;
    /** Rows per block of {@link #logWeights} and of the forward flow: bounds their buffers (~65 MB at hidden 128, 2 steps). */
    static final int EVALUATION_BLOCK = 2048;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final FusedFlow flow;
    private final List<Param> encoderMean;
    private final List<Param> encoderLogScale;
    private final BaseDensity base;
    /** Per generator, its matrix's non-zero entries {@code (i, j)} (null for those of a {@link #rotationBlocks} block). */
    private final int[][] generatorEntries;
    private final double[][] generatorValues;
    /** Generators whose brackets are looped over their matrix entries (those not in a {@link #rotationBlocks} block). */
    private final int[] loopGenerators;
    /** so(k) blocks with {@code k ≥} {@value #GEMM_ROTATIONS}: subset and index of their first generator. */
    private final List<int[]> rotationBlocks = new ArrayList<>();
    private final List<Integer> rotationOffsets = new ArrayList<>();
    /** From this many rotated coordinates on, so(k) brackets are matrix products ({@link RotationBrackets}). */
    static final int GEMM_ROTATIONS = 6;
    private final boolean soft;
    private final boolean alongFlow;
    private final boolean atData;
    private final java.util.Set<String> taken = new java.util.HashSet<>();
    private Workspace ws;
    private Workspace evalWs;
    private Penalty penalty;
    /** The data sites of {@link #ws}'s batch (with {@code atData}), else null. */
    private Penalty dataPenalty;
    private FusedFlow.Tape sampleTape;
    private final HostArrays host = new HostArrays();
    /** The stacked first layers {@code [W1; V1]} of a conditional model's MLPs (empty otherwise). */
    private final List<ContextStack> stacks = new ArrayList<>();

    /**
     * What the fused engine needs to know of a model besides its symmetry and base density (the model's
     * configuration, as plain values: this package does not depend on the configuration type).
     *
     * @param hard             radial energies (the hard constraint) on the symmetry's invariant subsets
     * @param soft             the Lagrangian has the penalty term {@code Σ λ_k (C_k − κ)}
     * @param penaltyAlongFlow the penalty's base sites are the base samples and every state of their forward flow
     * @param penaltyAtData    the penalty is half at the base sites, half at the states of the batch's inverse flow
     * @param trainingSamples  K: the batch's rows come in groups of K draws of one point and the objective is the
     *                         importance-weighted bound over each group (1: the ELBO)
     * @param contextSize      k of a conditional model (0: none): rows of positions carry their context as their last
     *                         k columns, and every MLP's first layer is {@code [W1; V1]} on {@code [x | c]} ({@link ContextStack})
     */
    public record Spec(int dimension, int hidden, int leapfrogSteps, double stepSize, boolean learnableStepSize,
                       boolean separateHamiltonians, boolean quadraticKinetic, boolean hard, boolean soft,
                       boolean penaltyAlongFlow, boolean penaltyAtData, double kappa, boolean float64, int trainingSamples,
                       int contextSize) {
    }

    /**
     * What one evaluation gives: the loss, the negated training bound ({@code −mean ELBO}, or the importance-weighted
     * bound with K training samples), {@code C_k}, and a gradient per parameter (c order).
     */
    public record Result(double loss, double negElbo, double[] constraints, Map<String, double[]> gradients,
                         double[] contextGradient, double[] penaltyContextGradient) {
        /** A result without context gradients. */
        public Result(double loss, double negElbo, double[] constraints, Map<String, double[]> gradients) {
            this(loss, negElbo, constraints, gradients, null, null);
        }
    }

    /**
     * @param symmetry        the model's parsed symmetry (its generators' matrices are used)
     * @param base            the model's parsed base density
     * @param parameterShapes every parameter of the model by name, with its shape (the graph's names)
     * @throws IllegalArgumentException if {@link #unsupportedReason} is not empty
     */
    public FusedLagrangian(Spec config, Optional<Symmetry> symmetry, BaseDensity base, Map<String, long[]> parameterShapes) {
        unsupportedReason(symmetry).ifPresent(r -> {
            throw new IllegalArgumentException("the fused engine does not support this model: " + r);
        });
        this.config = config;
        this.blas = new Blas(config.float64() ? DataType.DOUBLE : DataType.FLOAT);
        parameterShapes.forEach((name, shape) -> {
            if (shape.length != 2) {
                throw new IllegalArgumentException("parameter " + name + " is not a matrix: " + java.util.Arrays.toString(shape));
            }
            params.put(name, new Param(name, Math.toIntExact(shape[0]), Math.toIntExact(shape[1])));
        });
        int d = config.dimension();
        List<int[]> subsets = config.hard() ? symmetry.orElseThrow().invariantSubsets() : List.of();
        int count = config.separateHamiltonians() ? config.leapfrogSteps() : 1;
        List<FusedFlow.Hamiltonian> hams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String suffix = count == 1 ? "" : Integer.toString(i);
            FusedFlow.KernelFactory kin = config.quadraticKinetic()
                    ? (b, scratch, context) -> GradientKernel.quadratic()
                    : energy(mlp("kin" + suffix, "W1", "b1", "W2", "b2", "w3"), subsets);
            hams.add(new FusedFlow.Hamiltonian(kin, energy(mlp("pot" + suffix, "W1", "b1", "W2", "b2", "w3"), subsets)));
        }
        List<Param> logSteps = new ArrayList<>();
        if (config.learnableStepSize()) {
            for (int i = 0; i < config.leapfrogSteps(); i++) {
                logSteps.add(take("logStep" + i).get(0));
            }
        }
        this.flow = new FusedFlow(hams, config.leapfrogSteps(), d, config.stepSize(), logSteps);
        encoderMean = mlp("encMu", "W1", "b1", "W2", "b2", "W3", "b3");
        encoderLogScale = mlp("encSigma", "W1", "b1", "W2", "b2", "W3", "b3");
        if (taken.size() != params.size()) {
            throw new IllegalArgumentException("the model has parameters the fused engine does not know: " + parameterShapes.keySet());
        }
        // the weights keep native copies for the matrix products, written once per load (loadValues)
        params.values().forEach(p -> blas.hold(p.value));
        stacks.forEach(stack -> blas.hold(stack.stacked.value));
        this.base = base;
        this.soft = config.soft();
        this.alongFlow = config.penaltyAlongFlow();
        this.atData = config.penaltyAtData();
        List<Generator> gens = symmetry.map(Symmetry::generators).orElse(List.of());
        boolean[] inBlock = new boolean[gens.size()];
        if (symmetry.isPresent()) {
            List<Symmetry> parts = symmetry.get() instanceof CompositeSymmetry c ? c.parts() : List.of(symmetry.get());
            int offset = 0;
            for (Symmetry part : parts) {
                if (part instanceof SpecialOrthogonal so && so.subset().length >= GEMM_ROTATIONS) {
                    rotationBlocks.add(so.subset());
                    rotationOffsets.add(offset);
                    java.util.Arrays.fill(inBlock, offset, offset + part.size(), true);
                }
                offset += part.size();
            }
        }
        loopGenerators = java.util.stream.IntStream.range(0, gens.size()).filter(k -> !inBlock[k]).toArray();
        generatorEntries = new int[gens.size()][];
        generatorValues = new double[gens.size()][];
        for (int k : loopGenerators) {  // the so(k) blocks use their subsets, not matrices
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

    private FusedFlow.KernelFactory energy(List<Param> mlp, List<int[]> subsets) {
        if (subsets.isEmpty()) {
            return (b, scratch, context) -> ContextKernel.wrap(SoftplusGradient.create(blas, mlp, b, scratch), context,
                    config.dimension());
        }
        return (b, scratch, context) -> new RadialGradient(blas, mlp, subsets, config.dimension(), b, scratch, context);
    }

    /**
     * The parameters {@code prefix + names} of one MLP, its first layer stacked with the context's {@code V1} in a
     * conditional model ({@link ContextStack}).
     */
    private List<Param> mlp(String prefix, String... names) {
        List<Param> out = take(prefix, names);
        if (config.contextSize() > 0) {
            ContextStack stack = new ContextStack(out.get(0), require(prefix + "V1"));
            stacks.add(stack);
            out.set(0, stack.stacked);
        }
        return out;
    }

    /** Why the fused engine cannot compute this model, or empty if it can. */
    public static Optional<String> unsupportedReason(Optional<Symmetry> symmetry) {
        if (symmetry.isPresent()) {
            for (Generator g : symmetry.get().generators()) {
                if (g.matrix().isEmpty()) {
                    return Optional.of("generator " + g.name() + " has no matrix(): it is not linear (pᵀAq)");
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
        return evaluate(values, q, noise, penaltyQ, penaltyP, lambda, false);
    }

    /**
     * {@link #evaluate(Map, INDArray, INDArray, INDArray, INDArray, double[])}, with a conditional model's
     * {@code ∂L/∂c} of the batch's rows and of the penalty's rows ({@link Result#contextGradient()},
     * {@link Result#penaltyContextGradient()}, row-major {@code [rows, k]}, in the model's space) when {@code contextGradient}.
     */
    public Result evaluate(Map<String, INDArray> values, INDArray q, INDArray noise, INDArray penaltyQ,
                           INDArray penaltyP, double[] lambda, boolean contextGradient) {
        if (contextGradient && config.contextSize() == 0) {
            throw new IllegalArgumentException("the model is not conditional: it has no context gradient");
        }
        loadValues(values);
        for (Param p : params.values()) {
            p.grad.zero();
        }
        int b = Math.toIntExact(q.rows());
        int bp = penaltyQ == null ? 0 : Math.toIntExact(penaltyQ.rows());
        if (ws == null || ws.batch != b) {
            ws = new Workspace(b);
        }
        readRows(q, ws.tape.q[0], ws.tape.context);
        read(noise, ws.noise);
        wantContext(ws.tape.context, contextGradient);
        forward(ws, ws.rowLogW);
        double negElbo = -Iwae.bound(ws.rowLogW, config.trainingSamples(), ws.rowAdjoint);
        double[] constraints = new double[generatorEntries.length];
        double loss = negElbo;
        Penalty atStates = null;
        Penalty penaltyRows = null;
        if (bp > 0) {
            Penalty pen = penalty(bp);
            readRows(penaltyQ, pen.q[0], pen.context);
            read(penaltyP, pen.p[0]);
            wantContext(pen.context, contextGradient);
            loss += pen.evaluate(constraints, lambda, soft);
            penaltyRows = pen;
            if (atData) {
                if (dataPenalty == null || dataPenalty.rows != b) {
                    dataPenalty = new Penalty(ws.tape, 0.5, new SoftplusGradient.Scratch(b, config.hidden(), blas.isFloat32()));
                }
                loss += dataPenalty.evaluate(constraints, lambda, soft);
                atStates = soft ? dataPenalty : null;
            }
            if (soft) {
                for (int k = 0; k < constraints.length; k++) {
                    loss -= lambda[k] * config.kappa();
                }
            }
        }
        elboBackward(atStates == null ? null : atStates.qAt, atStates == null ? null : atStates.pAt);
        for (ContextStack stack : stacks) {
            stack.scatterGradient();
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (Param p : params.values()) {
            grads.put(p.name, p.grad.v.clone());
        }
        if (!contextGradient) {
            return new Result(loss, negElbo, constraints, grads);
        }
        double[] dataContext = ws.tape.context.adjoint.v.clone();
        double[] penaltyContext = penaltyRows == null ? new double[0] : penaltyRows.context.adjoint.v.clone();
        wantContext(ws.tape.context, false);
        if (penaltyRows != null) {
            wantContext(penaltyRows.context, false);
        }
        return new Result(loss, negElbo, constraints, grads, dataContext, penaltyContext);
    }

    /**
     * {@code C_k} at the given base samples (and along their flow when the model's sites say so); no
     * gradient. With data sites, only the base half (scaled as a whole constraint): the data half needs a batch.
     */
    public double[] constraints(Map<String, INDArray> values, INDArray penaltyQ, INDArray penaltyP) {
        loadValues(values);
        double[] constraints = new double[generatorEntries.length];
        Penalty pen = penalty(Math.toIntExact(penaltyQ.rows()));
        readRows(penaltyQ, pen.q[0], pen.context);
        read(penaltyP, pen.p[0]);
        pen.evaluate(constraints, null, false);
        if (atData) {  // the base sites carry half of the training constraint
            for (int k = 0; k < constraints.length; k++) {
                constraints[k] *= 2;
            }
        }
        return constraints;
    }

    private Penalty penalty(int rows) {
        if (penalty == null || penalty.rows != rows) {
            penalty = new Penalty(rows, atData ? 0.5 : 1.0, new SoftplusGradient.Scratch(rows, config.hidden(), blas.isFloat32()));
        }
        return penalty;
    }

    /**
     * The importance log-weights {@code log w = log π(T⁻¹(q, p)) − log h(p|q)} of each row, {@code p} drawn
     * with the given noise: the forward half of {@link #evaluate}, in blocks of {@value #EVALUATION_BLOCK} rows.
     */
    public double[] logWeights(Map<String, INDArray> values, INDArray q, INDArray noise) {
        loadValues(values);
        Workspace w = evaluationWorkspace(Math.toIntExact(q.rows()));
        double[] out = new double[Math.toIntExact(q.rows())];
        double[] blockOut = new double[w.batch];
        forEachBlock(q, noise, w.tape.q[0], w.tape.context, w.noise, (start, count) -> {
            forward(w, blockOut);
            System.arraycopy(blockOut, 0, out, start, count);
        });
        return out;
    }

    /** What {@link #forwardFlow} returns of the integration. */
    public enum Kept {
        /** Every state: {@code [q_0, p_0, q_1, p_1, …, q_L, p_L]}. */
        ALL_STATES,
        /** The final state {@code [q_L, p_L]}. */
        FINAL_STATE,
        /**
         * The final position {@code [q_L]} alone (samples): the last half-step of the momentum, and the
         * potential's gradient it needs, are skipped.
         */
        FINAL_POSITION
    }

    /**
     * The forward flow {@code T} of base states {@code (q0, p0)} ({@code [n, d]} each, model space), in
     * blocks of {@value #EVALUATION_BLOCK} rows, keeping what {@code kept} says, each row-major {@code n × d}.
     */
    public List<double[]> forwardFlow(Map<String, INDArray> values, INDArray q0, INDArray p0, Kept kept) {
        loadValues(values);
        int rows = Math.toIntExact(q0.rows());
        int d = config.dimension();
        int steps = flow.steps();
        int block = Math.max(1, Math.min(rows, EVALUATION_BLOCK));
        if (sampleTape == null || sampleTape.batch != block) {
            sampleTape = flow.new Tape(block, false, new SoftplusGradient.Scratch(block, config.hidden(), blas.isFloat32()),
                    contextBuffer(block));
        }
        FusedFlow.Tape tape = sampleTape;
        List<double[]> out = new ArrayList<>();
        boolean all = kept == Kept.ALL_STATES;
        boolean momenta = kept != Kept.FINAL_POSITION;
        int states = all ? steps + 1 : 1;
        for (int i = 0; i < (momenta ? 2 : 1) * states; i++) {
            out.add(new double[rows * d]);
        }
        forEachBlock(q0, p0, tape.q[0], tape.context, tape.p[0], (start, count) -> {
            tape.forward(momenta);
            for (int k = 0; k < states; k++) {
                int n = all ? k : steps;
                int slot = momenta ? 2 * k : k;
                System.arraycopy(tape.q[n].v, 0, out.get(slot), start * d, count * d);
                if (momenta) {
                    System.arraycopy(tape.p[n].v, 0, out.get(slot + 1), start * d, count * d);
                }
            }
        });
        return out;
    }

    /** {@code log π(T⁻¹(q, p))} of each row (model space), in blocks of {@value #EVALUATION_BLOCK} rows. */
    public double[] logJoint(Map<String, INDArray> values, INDArray q, INDArray p) {
        int d = config.dimension();
        loadValues(values);
        Workspace w = evaluationWorkspace(Math.toIntExact(q.rows()));
        double[] out = new double[Math.toIntExact(q.rows())];
        forEachBlock(q, p, w.tape.q[0], w.tape.context, w.tape.p[0], (start, count) -> {
            w.tape.forward();
            double[] q0 = w.tape.q[flow.steps()].v;
            double[] p0 = w.tape.p[flow.steps()].v;
            for (int r = 0, i = 0; r < count; r++) {
                double logPi = 0;
                for (int j = 0; j < d; j++, i++) {
                    logPi += base.logDensityCoordinate(q0[i]) + base.logDensityCoordinate(p0[i]);
                }
                out[start + r] = logPi;
            }
        });
        return out;
    }

    /** Encoder draws {@code p = μ(q) + σ(q) ⊙ noise} (model space), {@code n × d} row-major. */
    public double[] encode(Map<String, INDArray> values, INDArray q, INDArray noise) {
        int d = config.dimension();
        loadValues(values);
        Workspace w = evaluationWorkspace(Math.toIntExact(q.rows()));
        double[] out = new double[Math.toIntExact(q.rows()) * d];
        forEachBlock(q, noise, w.tape.q[0], w.tape.context, w.tape.p[0], (start, count) -> {
            Dense in = w.encoderInput();
            double[] mu = w.mean.forward(in).v;
            double[] logSigma = w.logScale.forward(in).v;
            double[] e = w.tape.p[0].v;
            for (int i = 0; i < count * d; i++) {
                out[start * d + i] = mu[i] + Math.exp(logSigma[i]) * e[i];
            }
        });
        return out;
    }

    /** {@code log h(p|q)} of each row (model space). */
    public double[] encoderLogDensity(Map<String, INDArray> values, INDArray q, INDArray p) {
        int d = config.dimension();
        double constant = -0.5 * Math.log(2 * Math.PI) * d;
        loadValues(values);
        Workspace w = evaluationWorkspace(Math.toIntExact(q.rows()));
        double[] out = new double[Math.toIntExact(q.rows())];
        forEachBlock(q, p, w.tape.q[0], w.tape.context, w.tape.p[0], (start, count) -> {
            Dense in = w.encoderInput();
            double[] mu = w.mean.forward(in).v;
            double[] logSigma = w.logScale.forward(in).v;
            double[] pv = w.tape.p[0].v;
            for (int r = 0, i = 0; r < count; r++) {
                double sum = constant;
                for (int j = 0; j < d; j++, i++) {
                    double z = (pv[i] - mu[i]) * Math.exp(-logSigma[i]);
                    sum += -0.5 * z * z - logSigma[i];
                }
                out[start + r] = sum;
            }
        });
        return out;
    }

    /** Works on the rows {@code start .. start + count} now in a block's buffers. */
    private interface BlockTask {
        void run(int start, int count);
    }

    /** The evaluation workspace for {@code rows} rows in blocks of at most {@value #EVALUATION_BLOCK}. */
    private Workspace evaluationWorkspace(int rows) {
        int block = Math.max(1, Math.min(rows, EVALUATION_BLOCK));
        if (evalWs == null || evalWs.batch != block) {
            evalWs = new Workspace(block);
        }
        return evalWs;
    }

    /**
     * Cuts {@code (a, b)} into blocks of {@code intoA.rows} rows, copies each into {@code intoA} (and the context columns
     * of {@code a}'s rows into {@code intoContext}, with a conditional model: {@code a} is {@code [n, d + k]}) and
     * {@code intoB} (a short last block padded with zeros, whose results the task drops) and runs the task on it.
     */
    private void forEachBlock(INDArray a, INDArray b, Dense intoA, RowContext intoContext, Dense intoB, BlockTask task) {
        int rows = Math.toIntExact(a.rows());
        int d = config.dimension();
        int k = config.contextSize();
        int w = d + k;
        if (a.columns() != w || b.columns() != d) {
            throw new IllegalArgumentException("expected rows of " + w + " and " + d + " columns, got shapes "
                    + java.util.Arrays.toString(a.shape()) + " and " + java.util.Arrays.toString(b.shape()));
        }
        double[] aAll = new double[rows * w];
        double[] bAll = new double[rows * d];
        host.read(a, aAll);
        host.read(b, bAll);
        int block = intoA.rows;
        for (int start = 0; start < rows; start += block) {
            int count = Math.min(block, rows - start);
            java.util.Arrays.fill(intoA.v, 0.0);
            java.util.Arrays.fill(intoB.v, 0.0);
            split(aAll, start, count, intoA, intoContext);
            System.arraycopy(bAll, start * d, intoB.v, 0, count * d);
            task.run(start, count);
        }
    }

    /** Rows {@code start … start + count − 1} of row-major {@code [n, d + k]} values into positions and context. */
    private void split(double[] all, int start, int count, Dense positions, RowContext rowContext) {
        int d = config.dimension();
        int k = config.contextSize();
        if (k == 0) {
            System.arraycopy(all, start * d, positions.v, 0, count * d);
            return;
        }
        Dense context = rowContext.values;
        java.util.Arrays.fill(context.v, 0.0);
        for (int r = 0; r < count; r++) {
            System.arraycopy(all, (start + r) * (d + k), positions.v, r * d, d);
            System.arraycopy(all, (start + r) * (d + k) + d, context.v, r * k, k);
        }
    }

    /** Model-space rows {@code [B, d + k]} into positions {@code [B, d]} and, with a context, {@code context [B, k]}. */
    private void readRows(INDArray rows, Dense positions, RowContext context) {
        int w = config.dimension() + config.contextSize();
        if (rows.rank() != 2 || rows.columns() != w || rows.rows() != positions.rows) {
            throw new IllegalArgumentException("expected rows of shape [" + positions.rows + ", " + w + "], got "
                    + java.util.Arrays.toString(rows.shape()));
        }
        if (context == null) {  // unconditional: the rows are the positions, read in place
            host.read(rows, positions.v);
            return;
        }
        double[] all = new double[positions.rows * w];
        host.read(rows, all);
        split(all, 0, positions.rows, positions, context);
    }

    /** A context buffer for {@code rows} rows, or null for an unconditional model. */
    private RowContext contextBuffer(int rows) {
        return RowContext.of(rows, config.contextSize());
    }

    private static void wantContext(RowContext c, boolean wanted) {
        if (c != null) {
            c.wanted = wanted;
            c.adjoint.zero();
        }
    }

    // ---------------------------------------------------------------- ELBO through the inverse flow

    /**
     * The encoder draw and the inverse flow of the rows in {@code w}: returns {@code Σ_b log w_b} and,
     * when {@code rowLogWeights} is not null, writes each {@code log w_b = log π(T⁻¹(q_b, p_b)) − log h(p_b|q_b)}.
     */
    private double forward(Workspace w, double[] rowLogWeights) {
        int steps = flow.steps();
        int b = w.batch;
        int d = config.dimension();
        FusedFlow.Tape tape = w.tape;
        // encoder: p = μ + σ ⊙ ε,  log h = Σ (−ε²/2 − log σ) − (d/2) log 2π
        Dense in = w.encoderInput();
        Dense mu = w.mean.forward(in);
        Dense logSigma = w.logScale.forward(in);
        double[] pv = tape.p[0].v;
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
        tape.forward();
        double[] q0 = tape.q[steps].v;
        double[] p0 = tape.p[steps].v;
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

    /**
     * The backward pass of {@link #forward} for the batch in {@link #ws}, with the adjoints {@code qAt},
     * {@code pAt} of the penalty at the states of the inverse flow added (null: none).
     */
    private void elboBackward(Dense[] qAt, Dense[] pAt) {
        Workspace w = ws;
        int steps = flow.steps();
        double[] sv = w.sigma.v;
        double[] ev = w.noise.v;
        // backward: adjoints of q and p, from the base density down to the data
        Dense qBar = w.qBar;
        Dense pBar = w.pBar;
        // each row's log w enters the bound with weight a_r (1/B for the ELBO; the group's softmax over the number of groups)
        double[] a = w.rowAdjoint;
        gradBase(w.tape.q[steps], qBar, a);
        gradBase(w.tape.p[steps], pBar, a);
        w.tape.backward(qBar, pBar, qAt, pAt, false);
        // encoder: μ̄ = p̄,  (log σ)‾ = p̄ ⊙ σ ⊙ ε − a_r
        double[] lb = w.logScaleBar.v;
        double[] pb = pBar.v;
        int d = config.dimension();
        for (int r = 0, i = 0; r < a.length; r++) {
            for (int j = 0; j < d; j++, i++) {
                lb[i] = pb[i] * sv[i] * ev[i] - a[r];
            }
        }
        RowContext context = w.tape.context;
        if (context != null && context.wanted) {
            w.encoderAdjoint.zero();
            w.mean.backward(pBar, w.encoderAdjoint);
            w.logScale.backward(w.logScaleBar, w.encoderAdjoint);
            context.addTrailingColumns(w.encoderAdjoint);
        } else {
            w.mean.backward(pBar);
            w.logScale.backward(w.logScaleBar);
        }
    }

    /** {@code out = −a_r ∇ log π(x)} row by row. */
    private void gradBase(Dense x, Dense out, double[] a) {
        int d = config.dimension();
        for (int r = 0, i = 0; r < a.length; r++) {
            for (int j = 0; j < d; j++, i++) {
                out.v[i] = -a[r] * base.gradLogDensityCoordinate(x.v[i]);
            }
        }
    }

    // ---------------------------------------------------------------- penalty

    /**
     * The bracket penalty at one set of sites, as {@code objective.SymmetryPenalty} defines it: a list of
     * terms (site, Hamiltonian, weight), {@code C_k += weight · Σ_rows {g_k, H}²(site)}. The base sites are
     * the base samples (one site, every Hamiltonian) or, along the flow, every state of their forward flow
     * (adjoints flow back through it); the data sites are the states of the batch's inverse flow, each
     * block's Hamiltonian at the two states it connects (adjoints left for the ELBO's tape). With the brackets from the generators'
     * matrices, {@code {g_A, H} = Σ_ij A_ij (p_i ∂K/∂p_j − ∂U/∂q_i q_j)} over the non-zero entries.
     */
    private final class Penalty {
        private final int rows;
        /** The sites' context rows {@code [rows, k]} of a conditional model, else null. */
        final RowContext context;
        /** The forward flow of the base samples (along the flow only), else null. */
        private final FusedFlow.Tape tape;
        /** The sites: {@code q[0]}, {@code p[0]} hold the base samples (or the data, for the data sites). */
        final Dense[] q;
        final Dense[] p;
        private final int[] termSite;
        private final double[] termWeight;
        private final GradientKernel[] kin;
        private final GradientKernel[] pot;
        private final Dense kBar;
        private final Dense uBar;
        /** Adjoints of the sites' states (along a flow), else null entries. */
        final Dense[] qAt;
        final Dense[] pAt;
        private final Dense qBar;
        private final Dense pBar;
        /** {@code {g_k, H}} of every looped generator and row, generator-major. */
        private final double[] brackets;
        private final List<RotationBrackets> rotations = new ArrayList<>();

        /** The base sites for {@code rows} base samples; {@code share} of the constraint is theirs. */
        Penalty(int rows, double share, SoftplusGradient.Scratch scratch) {
            this(rows, share, scratch, contextBuffer(rows));
        }

        private Penalty(int rows, double share, SoftplusGradient.Scratch scratch, RowContext context) {
            this(rows, alongFlow ? flow.new Tape(rows, false, scratch, context) : null, null, null, baseTerms(rows, share), scratch,
                    context);
        }

        /**
         * The data sites: the states of {@code inverse} (a tape of the ELBO); {@code share} is theirs. With a
         * gradient, the adjoints of those states are left in {@link #qAt}, {@link #pAt} for the tape's backward.
         */
        Penalty(FusedFlow.Tape inverse, double share, SoftplusGradient.Scratch scratch) {
            this(inverse.batch, null, inverse.q, inverse.p, dataTerms(inverse.batch, share), scratch, inverse.context);
        }

        private Penalty(int rows, FusedFlow.Tape tape, Dense[] fixedQ, Dense[] fixedP, double[][] terms,
                        SoftplusGradient.Scratch scratch, RowContext context) {
            this.rows = rows;
            this.context = context;
            int d = config.dimension();
            this.tape = tape;
            this.q = tape != null ? tape.q : fixedQ != null ? fixedQ : new Dense[] {new Dense(rows, d)};
            this.p = tape != null ? tape.p : fixedP != null ? fixedP : new Dense[] {new Dense(rows, d)};
            int n = terms.length;
            termSite = new int[n];
            termWeight = new double[n];
            kin = new GradientKernel[n];
            pot = new GradientKernel[n];
            for (int t = 0; t < n; t++) {
                termSite[t] = (int) terms[t][0];
                FusedFlow.Hamiltonian h = flow.hamiltonians().get((int) terms[t][1]);
                termWeight[t] = terms[t][2];
                kin[t] = h.kinetic().create(rows, scratch, context);
                pot[t] = h.potential().create(rows, scratch, context);
            }
            kBar = new Dense(rows, d);
            uBar = new Dense(rows, d);
            qAt = new Dense[q.length];
            pAt = new Dense[q.length];
            if (tape != null || fixedQ != null) {
                for (int s = 0; s < q.length; s++) {
                    qAt[s] = new Dense(rows, d);
                    pAt[s] = new Dense(rows, d);
                }
            }
            qBar = new Dense(rows, d);
            pBar = new Dense(rows, d);
            brackets = new double[loopGenerators.length * rows];
            for (int i = 0; i < rotationBlocks.size(); i++) {
                rotations.add(new RotationBrackets(blas, rotationBlocks.get(i), rotationOffsets.get(i), rows, d));
            }
        }

        /**
         * Adds {@code C_k} into {@code constraints} and returns {@code Σ_k λ_k C_k} of these sites; with
         * {@code gradient} accumulates that term's weight gradients.
         */
        double evaluate(double[] constraints, double[] lambda, boolean gradient) {
            int d = config.dimension();
            boolean throughStates = gradient && qAt[0] != null;
            if (tape != null) {
                tape.forward();
            }
            if (throughStates) {
                for (int s = 0; s < q.length; s++) {
                    qAt[s].zero();
                    pAt[s].zero();
                }
            }
            double[] mine = new double[constraints.length];
            for (int t = 0; t < kin.length; t++) {
                int s = termSite[t];
                double weight = termWeight[t];
                Dense qs = q[s];
                Dense ps = p[s];
                double[] qv = qs.v;
                double[] pv = ps.v;
                double[] av = kin[t].forward(ps).v;
                double[] uv = pot[t].forward(qs).v;
                double[] br = brackets;
                for (int slot = 0; slot < loopGenerators.length; slot++) {
                    int k = loopGenerators[slot];
                    int[] e = generatorEntries[k];
                    double[] a = generatorValues[k];
                    double sum = 0;
                    for (int r = 0, o = 0; r < rows; r++, o += d) {
                        double v = 0;
                        for (int j = 0; j < a.length; j++) {
                            v += a[j] * (pv[o + e[2 * j]] * av[o + e[2 * j + 1]] - uv[o + e[2 * j]] * qv[o + e[2 * j + 1]]);
                        }
                        br[slot * rows + r] = v;
                        sum += v * v;
                    }
                    mine[k] += sum * weight;
                }
                for (RotationBrackets block : rotations) {
                    block.accumulate(qv, pv, av, uv, d, weight, mine);
                }
                if (!gradient) {
                    continue;
                }
                // ∂/∂br = 2 λ_k br · weight;  K̄_j += br̄ Σ_i A_ij p_i;  Ū_i −= br̄ Σ_j A_ij q_j;
                // through the states also p̄_i += br̄ Σ_j A_ij ∂K/∂p_j and q̄_j −= br̄ Σ_i A_ij ∂U/∂q_i
                kBar.zero();
                uBar.zero();
                double[] kb = kBar.v;
                double[] ub = uBar.v;
                double[] qa = throughStates ? qAt[s].v : null;
                double[] pa = throughStates ? pAt[s].v : null;
                for (int slot = 0; slot < loopGenerators.length; slot++) {
                    int k = loopGenerators[slot];
                    int[] e = generatorEntries[k];
                    double[] a = generatorValues[k];
                    double scale = 2 * lambda[k] * weight;
                    for (int r = 0, o = 0; r < rows; r++, o += d) {
                        double c = scale * br[slot * rows + r];
                        for (int j = 0; j < a.length; j++) {
                            int ii = e[2 * j];
                            int jj = e[2 * j + 1];
                            double ca = c * a[j];
                            kb[o + jj] += ca * pv[o + ii];
                            ub[o + ii] -= ca * qv[o + jj];
                            if (pa != null) {
                                pa[o + ii] += ca * av[o + jj];
                                qa[o + jj] -= ca * uv[o + ii];
                            }
                        }
                    }
                }
                for (RotationBrackets block : rotations) {
                    block.backward(lambda, weight, d, kBar, uBar, throughStates ? pAt[s] : null, throughStates ? qAt[s] : null);
                }
                kin[t].backward(kBar, throughStates ? pAt[s] : null);
                pot[t].backward(uBar, throughStates ? qAt[s] : null);
            }
            if (throughStates && tape != null) {
                qBar.zero();
                pBar.zero();
                tape.backward(qBar, pBar, qAt, pAt, false);
            }
            double term = 0;
            for (int k = 0; k < mine.length; k++) {
                constraints[k] += mine[k];
                term += gradient ? lambda[k] * mine[k] : 0;
            }
            return term;
        }
    }

    /**
     * Terms {@code (site, Hamiltonian, weight)} of the base sites: every Hamiltonian at the base samples, or
     * at each of the {@code L + 1} states of their forward flow; the weights average over rows and sites.
     */
    private double[][] baseTerms(int rows, double share) {
        int sites = alongFlow ? flow.steps() + 1 : 1;
        int hams = flow.hamiltonians().size();
        double[][] terms = new double[sites * hams][];
        for (int s = 0, t = 0; s < sites; s++) {
            for (int h = 0; h < hams; h++, t++) {
                terms[t] = new double[] {s, h, share / ((double) rows * sites)};
            }
        }
        return terms;
    }

    /**
     * Terms of the data sites, as {@code objective.SymmetryPenalty#dataSites}: block {@code i}'s Hamiltonian
     * at inverse-flow states {@code L−1−i} and {@code L−i}, weight {@code n_H / 2L} per row-mean, merged per
     * (state, Hamiltonian).
     */
    private double[][] dataTerms(int rows, double share) {
        int steps = flow.steps();
        int hams = flow.hamiltonians().size();
        double weight = share * hams / (2.0 * steps) / rows;
        Map<Long, double[]> merged = new LinkedHashMap<>();
        for (int i = 0; i < steps; i++) {
            int h = hams == 1 ? 0 : i;
            for (int state : new int[] {steps - 1 - i, steps - i}) {
                merged.merge((long) state * hams + h, new double[] {state, h, weight}, (a, b) -> new double[] {a[0], a[1], a[2] + b[2]});
            }
        }
        return merged.values().toArray(new double[0][]);
    }

    // ---------------------------------------------------------------- buffers

    /** Every buffer of the ELBO at one batch size. */
    private final class Workspace {
        final int batch;
        final FusedFlow.Tape tape;
        final Dense noise;
        final Dense sigma;
        final double[] rowLogH;
        /** {@code log w} of each row, and {@code ∂ bound / ∂ log w} (the row's weight in the backward pass). */
        final double[] rowLogW;
        final double[] rowAdjoint;
        final Dense logScaleBar;
        final Dense qBar;
        final Dense pBar;
        final ReluMlp mean;
        final ReluMlp logScale;
        /** The encoder's input {@code [q | c]} of a conditional model, else null (the encoder reads {@code q}). */
        private final Dense stackedInput;
        /** The adjoint of {@link #stackedInput}, for the context gradient. */
        final Dense encoderAdjoint;

        Workspace(int batch) {
            this.batch = batch;
            int d = config.dimension();
            int hidden = config.hidden();
            SoftplusGradient.Scratch scratch = new SoftplusGradient.Scratch(batch, hidden, blas.isFloat32());
            tape = flow.new Tape(batch, true, scratch, contextBuffer(batch));
            stackedInput = config.contextSize() == 0 ? null : new Dense(batch, d + config.contextSize());
            encoderAdjoint = config.contextSize() == 0 ? null : new Dense(batch, d + config.contextSize());
            noise = new Dense(batch, d);
            sigma = new Dense(batch, d);
            rowLogH = new double[batch];
            rowLogW = new double[batch];
            rowAdjoint = new double[batch];
            logScaleBar = new Dense(batch, d);
            qBar = new Dense(batch, d);
            pBar = new Dense(batch, d);
            Matrix encoderScratch = blas.isFloat32() ? new DenseF(batch, hidden) : new Dense(batch, hidden);
            mean = new ReluMlp(blas, encoderMean, batch, encoderScratch);
            logScale = new ReluMlp(blas, encoderLogScale, batch, encoderScratch);
        }

        /** The encoder's input for the rows now in {@code tape.q[0]} (and {@code tape.context}). */
        Dense encoderInput() {
            if (stackedInput == null) {
                return tape.q[0];
            }
            int d = config.dimension();
            int k = config.contextSize();
            for (int r = 0; r < batch; r++) {
                System.arraycopy(tape.q[0].v, r * d, stackedInput.v, r * (d + k), d);
                System.arraycopy(tape.context.values.v, r * k, stackedInput.v, r * (d + k) + d, k);
            }
            return stackedInput;
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
        for (ContextStack stack : stacks) {
            stack.load();
        }
        blas.refreshHeld();
    }

    private void read(INDArray a, Dense out) {
        if (a.length() != out.size()) {
            throw new IllegalArgumentException("expected " + out.rows + "×" + out.cols + " values, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        host.read(a, out.v);
    }
}
