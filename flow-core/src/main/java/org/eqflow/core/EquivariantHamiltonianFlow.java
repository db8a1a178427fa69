package org.eqflow.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.fused.FusedLagrangian;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.objective.LagrangeMultipliers;
import org.eqflow.core.optim.Optimizer;
import org.eqflow.core.optim.TrainingDivergedException;
import org.eqflow.core.symmetry.BaseInvariance;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An equivariant Hamiltonian flow density model (Rezende, Racanière, Higgins, Toth 2019,
 * arXiv:1909.13739): base density {@code π} on phase space, Leap-Frog flow {@code T}, momentum encoder
 * {@code h(p|q)}, and optionally a symmetry imposed softly (Lagrangian penalty) or exactly (radial energies).
 *
 * <pre>
 *   sample:   s0 ~ π,  (q, p) = T(s0),  return q
 *   density:  log p(q, p) = log π(T⁻¹(q, p));   log p(q) estimated by ELBO / IWAE over p ~ h(p|q)
 *   training: minimise −mean ELBO + Σ_k λ_k (C_k − κ) with Adam; λ_k updated after each step
 * </pre>
 *
 * <p>All public methods taking or returning data points work in the data's own units: points are mapped
 * to the model's space by {@code (x − centre)/scale}, and log-densities include {@code −d·log scale}.
 * Methods on phase-space states ({@link #forward}, {@link #inverse}, {@link #logJoint}) work in the
 * model's space. Not thread-safe: one model, one thread.
 */
public final class EquivariantHamiltonianFlow implements TrainableModel {
    /** Set this system property to {@code false} to train every model through the SameDiff graph. */
    public static final String FUSED_PROPERTY = "eqflow.fused";
    /** The family's name in model files. */
    public static final String FAMILY = "hamiltonian";

    /** Updates before validation may judge a model with free MLP energies ({@link #warmupIterations()}). */
    public static final long FREE_ENERGY_WARMUP = 8_000;

    private FlowConfig config;
    private final SameDiff sd;
    private final FlowParts parts;
    private final DataType dataType;
    private final List<String> parameterNames;
    private final LagrangeMultipliers multipliers;
    private final Optimizer optimizer;
    private final int generatorCount;
    private final Map<String, long[]> parameterShapes = new LinkedHashMap<>();
    /** The graph's engine: defines the model, runs it where the fused engine does not or is not asked to. */
    private final GraphHamiltonianEngine graphEngine;
    /** The fused engine, or null where the model's parts do not support it. */
    private final FusedHamiltonianEngine fusedEngine;
    /** Why {@link Engine#AUTO} takes the graph for this model, or empty if it takes the fused engine. */
    private final java.util.Optional<String> graphReason;
    /** The engine in use: one of the two above. */
    private HamiltonianEngine engine;
    private final HamiltonianDensity density = new HamiltonianDensity(this);
    /** The reverse-KL objective's own graph when the model is trained from an energy, else null (likelihood). */
    private ReverseKlEngine reverseKl;

    private EquivariantHamiltonianFlow(FlowConfig config) {
        this.config = config;
        this.dataType = config.precision() == FlowConfig.Precision.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
        this.sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, dataType, Noise.stream(config.seed(), 0, Noise.Purpose.INIT).nextLong());
        this.parts = FlowParts.build(sd, config, params);
        this.parameterNames = List.copyOf(params.names());
        this.generatorCount = parts.symmetry().map(s -> s.size()).orElse(0);
        parts.symmetry().ifPresent(s -> BaseInvariance.check(s, parts.base()));
        this.multipliers = new LagrangeMultipliers(softConstraint() ? generatorCount : 0, config.multiplierSettings());
        this.graphEngine = GraphHamiltonianEngine.define(sd, parts, config, dataType, parameterNames, generatorCount, softConstraint());
        for (String name : parameterNames) {
            parameterShapes.put(name, sd.getVariable(name).getArr().shape());
        }
        java.util.Optional<String> unsupported = parts.fusedUnsupportedReason();
        this.fusedEngine = unsupported.isEmpty()
                ? new FusedHamiltonianEngine(config, parts, parameterShapes, this::parameters, dataType) : null;
        this.graphReason = unsupported
                .or(() -> onHost() ? java.util.Optional.empty()
                        : java.util.Optional.of("the ND4J backend is not the CPU, and the fused engine runs on the host"))
                .or(() -> "false".equalsIgnoreCase(System.getProperty(FUSED_PROPERTY))
                        ? java.util.Optional.of("-D" + FUSED_PROPERTY + "=false") : java.util.Optional.empty());
        this.engine = graphReason.isEmpty() ? fusedEngine : graphEngine;
        this.optimizer = new Optimizer(parameters(), config.learningRate(), config.clipNorm());
    }

    /** Builds a new, untrained model. */
    public static EquivariantHamiltonianFlow create(FlowConfig config) {
        return new EquivariantHamiltonianFlow(config);
    }

    /** Rebuilds a model from a saved state (see {@link org.eqflow.core.io.ModelFile}). */
    public static EquivariantHamiltonianFlow restore(ModelState state) {
        EquivariantHamiltonianFlow m = new EquivariantHamiltonianFlow(state.config());
        if (!state.parameters().keySet().equals(new java.util.LinkedHashSet<>(m.parameterNames))) {
            throw new IllegalArgumentException("the saved parameters " + state.parameters().keySet()
                    + " do not match the model's " + m.parameterNames);
        }
        for (String name : m.parameterNames) {
            INDArray target = m.sd.getVariable(name).getArr();
            m.copyInto(target, state.parameters().get(name), "parameter " + name);
            ModelState.NamedArray opt = state.optimizer().get(name);
            if (opt == null) {
                throw new IllegalArgumentException("optimizer state for parameter " + name + " is missing");
            }
            m.copyInto(m.optimizer.moments().get(name), opt, "optimizer state of " + name);
        }
        m.optimizer.restore(state.iteration(), state.learningRate(), state.consecutiveSkips());
        if (m.multipliers.size() > 0) {
            m.multipliers.restore(state.multipliers(), state.multiplierAverages());
        }
        return m;
    }

    /** A snapshot of everything needed to continue exactly. */
    public ModelState state() {
        Map<String, ModelState.NamedArray> p = new LinkedHashMap<>();
        Map<String, ModelState.NamedArray> o = new LinkedHashMap<>();
        for (String name : parameterNames) {
            p.put(name, named(sd.getVariable(name).getArr()));
            o.put(name, named(optimizer.moments().get(name)));
        }
        return new ModelState(config, p, o, optimizer.iteration(), optimizer.learningRate(), optimizer.consecutiveSkips(),
                multipliers.values(), multipliers.movingAverages());
    }

    private boolean softConstraint() {
        return config.constraint() == FlowConfig.Constraint.SOFT && generatorCount > 0;
    }

    // ---------------------------------------------------------------- training

    /**
     * One Adam update on a batch of data points {@code [B, d]} (data units; a conditional model's rows {@code [B, d + k]}), by the model's
     * {@link Optimizer}. Noise comes from {@code (seed, iteration)}. A step whose loss, gradient or updated
     * weights are not finite changes no weight, halves the learning rate and is reported as skipped; after
     * {@value Optimizer#MAX_CONSECUTIVE_SKIPS} in a row a {@link TrainingDivergedException} is thrown.
     */
    public TrainStep trainStep(INDArray batch) {
        return report(optimizer.step(this, batch));
    }

    /**
     * One Adam update, at {@link #iteration()}, with an objective evaluated elsewhere: the sum over the slices of
     * a batch of {@link #sliceObjective}, each weighted by its share of the rows, gives the update {@link #trainStep}
     * makes on the whole batch (to round-off). The same skip-and-halve rules apply; the multipliers follow the
     * objective's constraints.
     */
    public TrainStep applyStep(Objective objective) {
        if (reverseKl != null) {
            throw new IllegalStateException("a model trained from an energy takes its steps from trainStep (base draws), not from slices of data");
        }
        java.util.Objects.requireNonNull(objective, "objective");
        return report(optimizer.apply(this, objective));
    }

    private TrainStep report(Optimizer.Update u) {
        Objective o = u.objective();
        return new TrainStep(u.iteration(), o.loss(), o.dataTerm(), o.constraints(), multipliers.values(), u.gradientNorm(),
                u.skipped(), u.learningRate());
    }

    /** The Lagrange multipliers follow the constraints of each applied update (soft constraint only). */
    @Override
    public void accept(Objective objective) {
        if (softConstraint()) {
            multipliers.update(objective.constraints());
        }
    }

    @Override
    public Objective objective(INDArray batch, long iteration) {
        return evaluate(batch, iteration);
    }

    /** The parameters by name (the graph's arrays, which both engines read and the optimiser updates). */
    @Override
    public Map<String, INDArray> parameters() {
        return GraphParameters.arrays(sd, parameterNames);
    }

    @Override
    public int dimension() {
        return config.dimension();
    }

    @Override
    public int rowWidth() {
        return config.rowWidth();
    }

    /**
     * Continues with another learning rate and clipping threshold (a resume that asks for them): the
     * configuration records the new values, the optimiser's moments are kept.
     */
    public void overrideTraining(double learningRate, double clipNorm) {
        this.config = config.toBuilder().learningRate(learningRate).clipNorm(clipNorm).build();
        optimizer.override(learningRate, clipNorm);
    }

    /** Gradients of the loss at a batch, with the noise of the given iteration (for checks and the DL4J parity test). */
    public Map<String, INDArray> gradients(INDArray batch, long noiseIteration) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        evaluate(batch, noiseIteration).gradients().forEach((name, g) -> out.put(name,
                Nd4j.create(g, sd.getVariable(name).getArr().shape(), DataType.DOUBLE).castTo(dataType)));
        return out;
    }

    /**
     * Whether training (loss and gradients) and the ELBO/IWAE log-densities run on the fused path
     * ({@link FusedLagrangian}, the default where the model supports it) rather than through the SameDiff
     * graph. Both give the same numbers to round-off (FusedParityTest).
     */
    public boolean usesFusedPath() {
        return engine == fusedEngine;
    }

    /**
     * Chooses the fused path (true) or the graph (false) for training and log-densities.
     *
     * @throws IllegalArgumentException if the fused path is asked for but does not support this model
     */
    public void useFusedPath(boolean fusedPath) {
        useEngine(fusedPath ? Engine.FUSED : Engine.GRAPH);
    }

    /**
     * Chooses the engine of training, log-densities, sampling, trajectories, {@link #loss} and
     * {@link #constraintViolations}: {@link Engine#AUTO} (the default) takes the fused engine where the
     * model supports it and the backend is the CPU.
     *
     * @throws IllegalArgumentException if the fused engine is asked for but does not support this model
     */
    public void useEngine(Engine engine) {
        switch (engine) {
            case AUTO -> this.engine = graphReason.isEmpty() ? fusedEngine : graphEngine;
            case GRAPH -> this.engine = graphEngine;
            case FUSED -> {
                if (fusedEngine == null) {
                    throw new IllegalArgumentException("the fused engine does not support this model: " + graphReason.orElse("?")
                            + "; use the graph engine");
                }
                this.engine = fusedEngine;
            }
        }
    }

    /**
     * The engine in use, for the log: {@code fused}, or {@code graph (<why>)} — the part the fused engine
     * does not support, a non-CPU backend, or that the graph was asked for.
     */
    @Override
    public String family() {
        return FAMILY;
    }

    /**
     * Free MLP energies ({@link org.eqflow.core.energy.SoftplusMlp} of the coordinates: the soft constraint and none)
     * sit on the initial Gaussian fit for thousands of updates before they learn a multi-modal radial density
     * (docs/results.md, "Small data"): {@value #FREE_ENERGY_WARMUP} updates before validation may judge the run.
     * Radial energies (the hard constraint) learn from the first updates: 0.
     */
    @Override
    public long warmupIterations() {
        if (reverseKl != null) {
            return 0;
        }
        boolean free = parts.hamiltonians().stream().anyMatch(h -> h.kinetic() instanceof org.eqflow.core.energy.SoftplusMlp
                || h.potential() instanceof org.eqflow.core.energy.SoftplusMlp);
        return free ? FREE_ENERGY_WARMUP : 0;
    }

    @Override
    public String engineDescription() {
        if (reverseKl != null) {
            return "graph (reverse-KL training has no fused kernel" + (usesFusedPath() ? "; sampling and evaluation use the fused engine)" : ")");
        }
        if (usesFusedPath()) {
            return "fused";
        }
        return "graph (" + graphReason.orElse("asked for") + ")";
    }

    private static boolean onHost() {
        String backend = Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT);
        return !(backend.contains("cublas") || backend.contains("cuda"));
    }

    /**
     * Runs the fused path on {@code threads} cores (default 1): each step's batch, and each block of
     * log-density rows, is cut into that many shards computed in parallel ({@link org.eqflow.core.fused.ShardedLagrangian}).
     * Results equal the one-thread results up to the order of floating-point sums. No effect on models
     * that train through the graph.
     */
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (fusedEngine != null) {
            fusedEngine.setThreads(threads);
        }
    }

    private Objective evaluate(INDArray batch, long t) {
        if (reverseKl != null) {
            return reverseKlObjective(batch, t, true);
        }
        return evaluate(trainingFeeds(batch, t), multipliers.values());
    }

    private Objective reverseKlObjective(INDArray batch, long t, boolean withGradients) {
        int d = config.dimension();
        if (batch.columns() != 2L * d) {
            throw new IllegalArgumentException("reverse-KL training takes base draws [B, " + 2 * d + "] (q then p), got "
                    + batch.columns() + " columns");
        }
        INDArray q = batch.get(all(), interval(0, d)).dup();
        INDArray p = batch.get(all(), interval(d, 2 * d)).dup();
        // the end positions from the fused engine's forward pass where it runs (the graph's first pass otherwise)
        INDArray x = usesFusedPath() ? forward(q, p)[0] : null;
        INDArray noise = reverseKl.momenta() == 1 ? null : Noise.gaussian(Noise.stream(config.seed(), t, Noise.Purpose.ENCODER),
                q.rows() * (reverseKl.momenta() - 1), d, dataType);
        return reverseKl.evaluate(parameters(), q, p, noise, multipliers.values(), withGradients, x);
    }

    /**
     * Trains the following updates by the reverse KL to {@code exp(−E)} ({@link org.eqflow.core.objective.ReverseKl})
     * instead of maximum likelihood: each batch ({@link #batchDimension()} columns) is then a set of base draws
     * {@code (q, p)}, as {@link org.eqflow.core.train.BaseDraws} supplies them. Not part of the saved model: a resumed
     * run says the energy again. The model must see its space unscaled (no standardisation: the energy is in the
     * data's units). Runs on the graph engine (the fused engine has no reverse mode through the forward flow).
     *
     * @param target the energy, of the model's dimension; null returns to maximum likelihood
     */
    public void trainByReverseKl(org.eqflow.core.target.UnnormalisedTarget target) {
        if (target == null) {
            reverseKl = null;
            return;
        }
        if (config.conditional()) {
            throw new IllegalArgumentException("reverse-KL training from an energy takes an unconditional model (the energy has no context)");
        }
        if (target.dimension() != config.dimension()) {
            throw new IllegalArgumentException("the energy " + target.spec() + " has dimension " + target.dimension()
                    + " but the model has dimension " + config.dimension());
        }
        if (!config.identityScaling()) {
            throw new IllegalArgumentException("reverse-KL training needs a model without standardisation (centre 0, scale 1): "
                    + "the energy is in the data's units");
        }
        reverseKl = new ReverseKlEngine(config, parameters(), target, dataType, softConstraint());
    }

    /** {@code 2d} (base draws) under reverse-KL training, else the rows' width: {@code d}, plus a conditional model's {@code k}. */
    @Override
    public int batchDimension() {
        return reverseKl != null ? 2 * config.dimension() : config.rowWidth();
    }

    /**
     * The Lagrangian, its parts and its gradients at points {@code q} of the model's space {@code [B, d]} (a conditional
     * model's rows {@code [B, d + k]}, the context last), with the noise given rather than drawn: the encoder's
     * {@code noise [B, d]}, the penalty's base states {@code penaltyQ, penaltyP [B', d]} (null without a symmetry; a
     * conditional model's {@code penaltyQ} carries each base state's context, {@code [B', d + k]}) and the multipliers {@code lambda} (one
     * per generator; ignored unless the constraint is soft). With K {@link FlowConfig#trainingSamples} the rows
     * come in groups of K copies of one point (each with its own noise). On the engine in use (see {@link #useEngine}).
     * This is what an adapter that supplies its own noise calls (the DL4J density layer, from its labels);
     * {@link #trainStep} draws the same quantities from {@code (seed, iteration)}.
     */
    public Objective objective(INDArray q, INDArray noise, INDArray penaltyQ, INDArray penaltyP, double[] lambda) {
        double[][] l = new double[1][];
        Map<String, INDArray> feeds = givenFeeds(q, noise, penaltyQ, penaltyP, lambda, l);
        return evaluate(feeds, l[0]);
    }

    /** The checked feeds of {@link #objective(INDArray, INDArray, INDArray, INDArray, double[])}; {@code l[0]} gets the multipliers. */
    private Map<String, INDArray> givenFeeds(INDArray q, INDArray noise, INDArray penaltyQ, INDArray penaltyP, double[] lambda,
                                             double[][] l) {
        checkDimension(q);
        if (q.rows() % config.trainingSamples() != 0) {
            throw new IllegalArgumentException("with " + config.trainingSamples() + " training samples per point the rows come in groups of "
                    + config.trainingSamples() + " draws of one point, but there are " + q.rows() + " rows");
        }
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put("q", q.castTo(dataType));
        feeds.put("noise", noise.castTo(dataType));
        l[0] = new double[0];
        if (generatorCount > 0) {
            if (penaltyQ == null || penaltyP == null) {
                throw new IllegalArgumentException("a model with a symmetry needs the penalty's base states");
            }
            feeds.put("penaltyQ", penaltyQ.castTo(dataType));
            feeds.put("penaltyP", penaltyP.castTo(dataType));
            if (softConstraint()) {
                if (lambda == null || lambda.length != generatorCount) {
                    throw new IllegalArgumentException("the soft constraint needs " + generatorCount + " multipliers, got "
                            + (lambda == null ? "none" : lambda.length));
                }
                l[0] = lambda.clone();
                feeds.put("lambda", Nd4j.create(l[0], new long[] {generatorCount}, DataType.DOUBLE).castTo(dataType));
            }
        }
        return feeds;
    }

    /**
     * An objective with the gradient of the loss with respect to a conditional model's context: {@code ∂L/∂c} of the
     * data rows and of the penalty's rows (null without a symmetry), in the model's space, each {@code [rows, k]}.
     */
    public record ContextObjective(Objective objective, INDArray contextGradient, INDArray penaltyContextGradient) {
    }

    /**
     * {@link #objective(INDArray, INDArray, INDArray, INDArray, double[])} of a conditional model, with {@code ∂L/∂c}:
     * what a network passes back to the layers that compute the context (the DL4J density layer). On the fused
     * engine (one shard); the graph's own input gradient gives it where the fused engine cannot run the model.
     *
     * @throws IllegalStateException if the model is not conditional or not on the fused engine
     */
    public ContextObjective objectiveWithContextGradient(INDArray q, INDArray noise, INDArray penaltyQ, INDArray penaltyP,
                                                         double[] lambda) {
        if (!config.conditional() || !usesFusedPath()) {
            throw new IllegalStateException(!config.conditional() ? "the model is not conditional: it has no context gradient"
                    : "the context gradient is computed by the fused engine, and this model runs on the graph: " + engineDescription());
        }
        double[][] l = new double[1][];
        Map<String, INDArray> feeds = givenFeeds(q, noise, penaltyQ, penaltyP, lambda, l);
        FusedLagrangian.Result r = fusedEngine.evaluateWithContextGradient(feeds, l[0]);
        int k = config.contextSize();
        INDArray c = Nd4j.create(r.contextGradient(), new long[] {q.rows(), k}, DataType.DOUBLE);
        INDArray pc = feeds.get("penaltyQ") == null ? null
                : Nd4j.create(r.penaltyContextGradient(), new long[] {penaltyQ.rows(), k}, DataType.DOUBLE);
        return new ContextObjective(new Objective(r.loss(), r.negElbo(), r.constraints(), r.gradients()), c, pc);
    }

    private Objective evaluate(Map<String, INDArray> feeds, double[] lambda) {
        return engine.evaluate(feeds, lambda);
    }

    /** The loss at a batch with the noise of the given iteration. */
    public double loss(INDArray batch, long noiseIteration) {
        if (reverseKl != null) {
            return reverseKlObjective(batch, noiseIteration, false).loss();
        }
        return engine.loss(trainingFeeds(batch, noiseIteration), multipliers.values());
    }

    private Map<String, INDArray> trainingFeeds(INDArray batch, long t) {
        return trainingFeeds(batch, t, 0, batch.rows(), multipliers.values());
    }

    /**
     * The feeds of rows {@code offset … offset + n − 1} of iteration {@code t}'s batch of {@code total} points: the
     * whole batch's noise is drawn and the slice's rows taken, so that every row gets the noise it gets in the
     * whole batch.
     */
    private Map<String, INDArray> trainingFeeds(INDArray slice, long t, long offset, long total, double[] lambda) {
        int k = config.trainingSamples();
        int d = config.dimension();
        INDArray q = repeatRows(toModelSpace(slice), k);
        long from = offset * k;
        long all = total * k;
        long to = from + q.rows();
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put("q", q);
        feeds.put("noise", rows(Noise.gaussian(Noise.stream(config.seed(), t, Noise.Purpose.ENCODER), all, d, dataType), from, to));
        if (generatorCount > 0) {
            INDArray s0 = rows(parts.base().sample(all, d, Noise.stream(config.seed(), t, Noise.Purpose.PENALTY), dataType), from, to);
            feeds.put("penaltyQ", withContext(s0.get(all(), interval(0, d)).dup(), q));
            feeds.put("penaltyP", s0.get(all(), interval(d, 2 * d)).dup());
            if (softConstraint()) {
                feeds.put("lambda", Nd4j.create(lambda, new long[] {generatorCount}, DataType.DOUBLE).castTo(dataType));
            }
        }
        return feeds;
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return from == 0 && to == a.rows() ? a : a.get(interval(from, to), all()).dup();
    }

    /**
     * The objective of one slice of iteration {@code t}'s training batch, for data-parallel training: rows
     * {@code offset … offset + n − 1} (data units, {@code n} = {@code slice.rows()}) of a batch of {@code total} points,
     * with the noise those rows get in the whole batch and the multipliers {@code lambda} (the driver's; null for the
     * model's own). Its loss, data term, constraints and gradients are means over the slice, so the whole batch's
     * objective is {@code Σ (n / total) · sliceObjective} over its slices; {@link #applyStep} applies that sum.
     *
     * @throws IllegalArgumentException if the slice does not lie inside the batch, or lambda has the wrong length
     */
    public Objective sliceObjective(INDArray slice, long t, long offset, long total, double[] lambda) {
        checkDimension(slice);
        if (reverseKl != null) {
            throw new IllegalStateException("a model trained from an energy has no data batches to slice");
        }
        if (offset < 0 || slice.rows() < 1 || offset + slice.rows() > total) {
            throw new IllegalArgumentException("the slice's rows " + offset + " … " + (offset + slice.rows() - 1)
                    + " do not lie inside a batch of " + total + " points");
        }
        double[] l = softConstraint() ? (lambda == null ? multipliers.values() : lambda) : new double[0];
        if (l.length != (softConstraint() ? generatorCount : 0)) {
            throw new IllegalArgumentException("the soft constraint needs " + generatorCount + " multipliers, got " + l.length);
        }
        return evaluate(trainingFeeds(slice, t, offset, total, l), l);
    }

    /** Each row of {@code q} {@code k} times in a row: rows {@code gk … gk + k − 1} are row {@code g} (the training bound's groups). */
    static INDArray repeatRows(INDArray q, int k) {
        return k == 1 ? q : Nd4j.tile(q, 1, k).reshape('c', q.rows() * k, q.columns());
    }

    // ---------------------------------------------------------------- evaluation

    /**
     * A single-sample ELBO for each point (data units), shape {@code [n]}; a non-finite value is drawn
     * again with the far-point proposal of {@link #logDensity} (one sample: from {@code N(0, I)}).
     */
    @Override
    public double[] elbo(INDArray x, long seed) {
        return density.elbo(x, seed);
    }

    /**
     * The IWAE estimate of {@code log p(x)} (a conditional model's {@code log p(x | c)} of rows {@code [x | c]}) for each
     * row (data units) with {@code m} importance samples, and its Monte Carlo standard error. Seeded: the same call
     * gives the same numbers. Far from the data, where the encoder's proposal fails (a float32 model's activations
     * overflow, or the weights collapse onto one sample), rows are estimated again in float64 with a defensive
     * proposal ({@link HamiltonianDensity}), so far points get large negative finite values; only a point beyond
     * double precision (|x| above about 1e150) gives a non-finite estimate.
     */
    @Override
    public Iwae.Estimate[] logDensity(INDArray x, int m, long seed) {
        return density.logDensity(x, m, seed);
    }

    /** {@code log w} of each row in the model's space, on the fused path when it is in use. */
    double[] logWeights(INDArray q, INDArray noise) {
        return engine.logWeights(q, noise);
    }

    /** {@code n} samples (data units), {@code [n, d]}; a conditional model needs {@link #sample(INDArray, long)}. */
    @Override
    public INDArray sample(int n, long seed) {
        requireUnconditional("sample(contexts, seed)");
        return sampleAt(baseSample(n, seed, null));
    }

    /**
     * Samples of a conditional model, one per row of {@code contexts} ({@code [n, k]}, data units) drawn from
     * {@code p(x | c)} of that row: {@code [n, d]}, data units.
     */
    public INDArray sample(INDArray contexts, long seed) {
        return sampleAt(baseSample(Math.toIntExact(contexts.rows()), seed, contextToModelSpace(contexts)));
    }

    /** {@code n} samples of a conditional model at one context {@code c} (data units): {@code [n, d]}. */
    public INDArray sample(double[] context, int n, long seed) {
        INDArray c = Nd4j.create(context, new long[] {1, context.length}, DataType.DOUBLE);
        return sample(Nd4j.tile(c, n, 1), seed);
    }

    /**
     * {@link #logDensity(INDArray, int, long)} of a conditional model with the points {@code x [n, d]} and their contexts
     * {@code c [n, k]} given apart: {@code log p(x_i | c_i)}.
     */
    public Iwae.Estimate[] logDensity(INDArray x, INDArray contexts, int m, long seed) {
        if (contexts.rows() != x.rows()) {
            throw new IllegalArgumentException(x.rows() + " points but " + contexts.rows() + " contexts: one context per point");
        }
        return logDensity(Nd4j.hstack(x.castTo(DataType.DOUBLE), contexts.castTo(DataType.DOUBLE)), m, seed);
    }

    private INDArray sampleAt(INDArray[] s0) {
        return toDataSpace(engine.finalPosition(s0[0], s0[1]));
    }

    /**
     * {@code n} base states {@code [q | c], p}: model-space positions with the model-space context rows appended
     * (null for an unconditional model), and momenta.
     */
    private INDArray[] baseSample(int n, long seed, INDArray context) {
        int d = config.dimension();
        INDArray s0 = parts.base().sample(n, d, Noise.stream(seed, 0, Noise.Purpose.SAMPLING), dataType);
        INDArray q = s0.get(all(), interval(0, d)).dup();
        return new INDArray[] {context == null ? q : Nd4j.hstack(q, context.castTo(dataType)), s0.get(all(), interval(d, 2 * d)).dup()};
    }

    /** Model-space rows {@code [q | c]}: positions {@code q [n, d]} with the context columns of {@code rows} ({@code [n, d + k]}). */
    private INDArray withContext(INDArray q, INDArray rows) {
        if (!config.conditional()) {
            return q;
        }
        return Nd4j.hstack(q, rows.get(all(), interval(config.dimension(), config.rowWidth())).castTo(q.dataType()));
    }

    private void requireUnconditional(String instead) {
        if (config.conditional()) {
            throw new IllegalArgumentException("the model is conditional on " + config.contextSize()
                    + " context value(s): use " + instead);
        }
    }

    /** The positions and momenta of base samples along the flow: {@code L + 1} states, positions in data units. */
    public record Trajectory(List<INDArray> positions, List<INDArray> momenta) {
    }

    /** Draws {@code n} base samples and integrates them, keeping every state (for plots). */
    public Trajectory trajectory(int n, long seed) {
        requireUnconditional("trajectory(contexts, seed)");
        return trajectoryFrom(baseSample(n, seed, null));
    }

    /** {@link #trajectory(int, long)} of a conditional model: one path per row of {@code contexts} ({@code [n, k]}, data units). */
    public Trajectory trajectory(INDArray contexts, long seed) {
        return trajectoryFrom(baseSample(Math.toIntExact(contexts.rows()), seed, contextToModelSpace(contexts)));
    }

    private Trajectory trajectoryFrom(INDArray[] s0) {
        List<INDArray> states = engine.states(s0[0], s0[1]);
        List<INDArray> qs = new ArrayList<>();
        List<INDArray> ps = new ArrayList<>();
        for (int i = 0; i < states.size(); i += 2) {
            qs.add(toDataSpace(states.get(i)));
            ps.add(states.get(i + 1));
        }
        return new Trajectory(qs, ps);
    }

    /**
     * {@code T(q, p)} in the model's space: {@code [q', p']}. Here and in {@link #inverse}, {@link #logJoint},
     * {@link #encode}, {@link #encoderLogDensity} and the energies, a conditional model's rows {@code q} carry the
     * model-space context as their last {@code k} columns ({@code [B, d + k]}); momenta and results are {@code [B, d]}.
     */
    public INDArray[] forward(INDArray q, INDArray p) {
        return engine.forward(cast(q), cast(p));
    }

    /** {@code T⁻¹(q, p)} in the model's space: {@code [q0, p0]}. */
    public INDArray[] inverse(INDArray q, INDArray p) {
        return graphEngine.inverse(cast(q), cast(p));
    }

    /** {@code log p(q, p) = log π(T⁻¹(q, p))} in the model's space, shape {@code [B]}. */
    public INDArray logJoint(INDArray q, INDArray p) {
        return engine.logJoint(cast(q), cast(p));
    }

    /** Encoder draws {@code p = μ(q) + σ(q) ⊙ noise} in the model's space. */
    public INDArray encode(INDArray q, INDArray noise) {
        return engine.encode(cast(q), cast(noise));
    }

    /** {@code log h(p|q)} in the model's space, shape {@code [B]}. */
    public INDArray encoderLogDensity(INDArray q, INDArray p) {
        return engine.encoderLogDensity(cast(q), cast(p));
    }

    /** {@code K(p)} of Hamiltonian {@code h} (0 unless each step has its own), shape {@code [B, 1]}. */
    public INDArray kineticEnergy(INDArray p, int h) {
        return graphEngine.kineticEnergy(cast(p), h);
    }

    /** {@code U(q)} of Hamiltonian {@code h} in the model's space, shape {@code [B, 1]}. */
    public INDArray potentialEnergy(INDArray q, int h) {
        return graphEngine.potentialEnergy(cast(q), h);
    }

    /**
     * {@code C_k} on {@code n} fresh base samples (and along their flow, with {@code BASE_AND_FLOW} sites);
     * empty without a symmetry. With {@code DATA_AND_BASE} sites this is the base half of the constraint:
     * the data half needs training data ({@link TrainStep#constraints()} reports the whole).
     */
    public double[] constraintViolations(int n, long seed) {
        return constraintViolations(n, seed, null);
    }

    /**
     * {@link #constraintViolations(int, long)} of a conditional model at the given contexts ({@code [m, k]}, data
     * units; base sample {@code i} takes context row {@code i mod m}). Without contexts a conditional model is
     * measured at the centre of its training contexts.
     */
    public double[] constraintViolations(int n, long seed, INDArray contexts) {
        if (generatorCount == 0) {
            return new double[0];
        }
        int d = config.dimension();
        INDArray s0 = parts.base().sample(n, d, Noise.stream(seed, 0, Noise.Purpose.PENALTY), dataType);
        INDArray q0 = s0.get(all(), interval(0, d)).dup();
        if (config.conditional()) {
            INDArray c = contexts == null ? Nd4j.zeros(dataType, 1, config.contextSize()) : contextToModelSpace(contexts);
            int[] row = java.util.stream.IntStream.range(0, n).map(i -> (int) (i % c.rows())).toArray();
            q0 = Nd4j.hstack(q0, c.getRows(row));
        }
        return engine.constraints(q0, s0.get(all(), interval(d, 2 * d)).dup());
    }

    // ---------------------------------------------------------------- accessors

    /** The configuration (with the learning rate and clipping a resume may have changed). */
    public FlowConfig config() {
        return config;
    }

    /** The graph, for inspection and advanced use; changing it voids every guarantee. */
    public SameDiff graph() {
        return sd;
    }

    /** The graph parts: the Hamiltonians, the encoder, the base density and the symmetry. */
    public FlowParts parts() {
        return parts;
    }

    /** The names of the trainable parameters, in the graph's order. */
    public List<String> parameterNames() {
        return parameterNames;
    }

    @Override
    public long iteration() {
        return optimizer.iteration();
    }

    /**
     * Scales the learning rate of the following steps (a schedule, set by the trainer before each step); the
     * base rate, which a non-finite step halves, is what the model state stores.
     */
    public void setLearningRateScale(double scale) {
        optimizer.setLearningRateScale(scale);
    }

    /** The optimiser's current learning rate (after any halving of a skipped step and the schedule's scale). */
    public double learningRate() {
        return optimizer.learningRate();
    }

    /** The Lagrange multipliers λ_k, one per generator (empty unless the constraint is soft). */
    public double[] multipliers() {
        return multipliers.values();
    }

    /** Names of the symmetry generators, in the order of constraints and multipliers. */
    public List<String> generatorNames() {
        return parts.symmetry().map(s -> s.generators().stream().map(g -> g.name()).toList()).orElse(List.of());
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    /**
     * Maps data rows to the model's space: {@code (x − centre) / scale}, and a conditional model's context columns
     * {@code (c − contextCentre) / contextScale}. Rows are {@code [n, d + k]}.
     */
    public INDArray toModelSpace(INDArray x) {
        checkDimension(x);
        INDArray q = x.castTo(dataType).dup('c');
        int d = config.dimension();
        if (!config.identityScaling()) {
            INDArray pos = config.conditional() ? q.get(all(), interval(0, d)) : q;
            pos.subiRowVector(centreRow()).divi(config.scale());
        }
        if (config.conditional() && !config.identityContextScaling()) {
            q.get(all(), interval(d, config.rowWidth())).assign(contextToModelSpace(q.get(all(), interval(d, config.rowWidth()))));
        }
        return q;
    }

    /** A conditional model's contexts {@code [n, k]} (data units) in the model's space. */
    public INDArray contextToModelSpace(INDArray contexts) {
        int k = config.contextSize();
        if (k == 0) {
            throw new IllegalArgumentException("the model is not conditional: it takes no context");
        }
        if (contexts.rank() != 2 || contexts.columns() != k) {
            throw new IllegalArgumentException("expected contexts of shape [n, " + k + "], got " + java.util.Arrays.toString(contexts.shape()));
        }
        double[] centre = config.contextCentre().stream().mapToDouble(Double::doubleValue).toArray();
        double[] scale = config.contextScale().stream().mapToDouble(Double::doubleValue).toArray();
        return contexts.castTo(dataType).dup('c')
                .subiRowVector(Nd4j.create(centre, new long[] {1, k}, DataType.DOUBLE).castTo(dataType))
                .diviRowVector(Nd4j.create(scale, new long[] {1, k}, DataType.DOUBLE).castTo(dataType));
    }

    /** Maps model-space positions {@code [n, d]} back to data units. */
    public INDArray toDataSpace(INDArray q) {
        INDArray x = q.dup('c');
        if (config.identityScaling()) {
            return x;
        }
        return x.muli(config.scale()).addiRowVector(centreRow());
    }

    private INDArray centreRow() {
        double[] c = config.centre().stream().mapToDouble(Double::doubleValue).toArray();
        return Nd4j.create(c, new long[] {1, c.length}, DataType.DOUBLE).castTo(dataType);
    }

    private void checkDimension(INDArray x) {
        if (x.rank() != 2 || x.columns() != config.rowWidth()) {
            throw new IllegalArgumentException("expected points of shape [n, " + config.rowWidth() + "]"
                    + (config.conditional() ? " (" + config.dimension() + " coordinates, then " + config.contextSize() + " context values)" : "")
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
    }

    private INDArray cast(INDArray a) {
        return a.castTo(dataType);
    }

    private void copyInto(INDArray target, ModelState.NamedArray source, String what) {
        if (!java.util.Arrays.equals(target.shape(), source.shape())) {
            throw new IllegalArgumentException(what + " has shape " + java.util.Arrays.toString(source.shape())
                    + " but the model expects " + java.util.Arrays.toString(target.shape()));
        }
        target.assign(Nd4j.create(source.data(), source.shape(), DataType.DOUBLE).castTo(dataType));
    }

    private static ModelState.NamedArray named(INDArray a) {
        return new ModelState.NamedArray(a.shape().clone(), a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex all() {
        return org.nd4j.linalg.indexing.NDArrayIndex.all();
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex interval(long from, long to) {
        return org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
    }
}
