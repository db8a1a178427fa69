package org.eqflow.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.fused.FusedLagrangian;
import org.eqflow.core.fused.ShardedLagrangian;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.objective.LagrangeMultipliers;
import org.eqflow.core.optim.Optimizer;
import org.eqflow.core.optim.TrainingDivergedException;
import org.eqflow.core.symmetry.BaseInvariance;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
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
    private static final int MAX_ROWS_PER_PASS = 65_536;
    /** An IWAE standard error above this means the weights collapsed onto about one sample. */
    private static final double COLLAPSED_STANDARD_ERROR = 0.9;
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
    /** The fused engine, or null where the model's parts do not support it. */
    private ShardedLagrangian fused;
    /** Why {@link Engine#AUTO} takes the graph for this model, or empty if it takes the fused engine. */
    private final java.util.Optional<String> graphReason;
    private boolean useFused;
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
        defineOutputs();
        for (String name : parameterNames) {
            parameterShapes.put(name, sd.getVariable(name).getArr().shape());
        }
        java.util.Optional<String> unsupported = parts.fusedUnsupportedReason();
        this.fused = unsupported.isEmpty()
                ? new ShardedLagrangian(fusedSpec(config), parts.symmetry(), parts.base(), parameterShapes, 1) : null;
        this.graphReason = unsupported
                .or(() -> onHost() ? java.util.Optional.empty()
                        : java.util.Optional.of("the ND4J backend is not the CPU, and the fused engine runs on the host"))
                .or(() -> "false".equalsIgnoreCase(System.getProperty(FUSED_PROPERTY))
                        ? java.util.Optional.of("-D" + FUSED_PROPERTY + "=false") : java.util.Optional.empty());
        this.useFused = graphReason.isEmpty();
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

    // ---------------------------------------------------------------- graph

    /**
     * The graph's inputs and outputs. Model-space rows carry a conditional model's context as their last {@code k}
     * columns ({@code q}, {@code penaltyQ}, {@code stateQ}, {@code energyX} are {@code [B, d + k]}); momenta and noise
     * are {@code [B, d]}.
     */
    private void defineOutputs() {
        int d = config.dimension();
        int w = config.rowWidth();
        SDVariable[] data = parts.splitRows(sd, sd.placeHolder("q", dataType, -1, w));
        SDVariable q = data[0];
        SDVariable noise = sd.placeHolder("noise", dataType, -1, d);
        PhaseState penaltyStates = null;
        SDVariable penaltyContext = null;
        SDVariable lambda = null;
        if (generatorCount > 0) {
            SDVariable[] pen = parts.splitRows(sd, sd.placeHolder("penaltyQ", dataType, -1, w));
            penaltyStates = new PhaseState(pen[0], sd.placeHolder("penaltyP", dataType, -1, d));
            penaltyContext = pen[1];
            if (softConstraint()) {
                lambda = sd.placeHolder("lambda", dataType, generatorCount);
            }
        }
        FlowParts.Lagrangian lagrangian = parts.lagrangian(sd, q, data[1], noise, penaltyStates, penaltyContext, lambda);
        lagrangian.logWeights().rename("logWeight");
        lagrangian.negElbo().rename("negElbo");
        if (lagrangian.constraints() != null) {
            lagrangian.constraints().rename("constraints");
            if (lagrangian.baseConstraints() != lagrangian.constraints()) {
                lagrangian.baseConstraints().rename("baseConstraints");
            }
        }
        SDVariable loss = sd.identity("loss", lagrangian.loss());
        sd.setLossVariables(loss);

        SDVariable[] state = parts.splitRows(sd, sd.placeHolder("stateQ", dataType, -1, w));
        SDVariable stateP = sd.placeHolder("stateP", dataType, -1, d);
        FlowParts atState = parts.given(sd, state[1]);
        PhaseState start = new PhaseState(state[0], stateP);
        List<PhaseState> path = atState.flow().integrate(sd, start, false);
        for (int i = 1; i < path.size(); i++) {
            path.get(i).q().rename("forwardQ" + i);
            path.get(i).p().rename("forwardP" + i);
        }
        PhaseState back = atState.flow().inverse(sd, start);
        back.q().rename("inverseQ");
        back.p().rename("inverseP");
        parts.base().logDensity(sd, back).rename("logJoint");
        FlowParts atData = parts.given(sd, data[1]);
        atData.encoder().sample(sd, q, noise).p().rename("encoderP");
        atData.encoder().logDensity(sd, q, stateP).rename("encoderLogDensity");

        SDVariable[] x = parts.splitRows(sd, sd.placeHolder("energyX", dataType, -1, w));
        FlowParts atX = parts.given(sd, x[1]);
        for (int h = 0; h < parts.hamiltonians().size(); h++) {
            atX.hamiltonians().get(h).kinetic().value(sd, x[0]).rename("kinetic" + h);
            atX.hamiltonians().get(h).potential().value(sd, x[0]).rename("potential" + h);
        }
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
        return useFused;
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
            case AUTO -> useFused = graphReason.isEmpty();
            case GRAPH -> useFused = false;
            case FUSED -> {
                if (fused == null) {
                    throw new IllegalArgumentException("the fused engine does not support this model: " + graphReason.orElse("?")
                            + "; use the graph engine");
                }
                useFused = true;
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
            return "graph (reverse-KL training has no fused kernel" + (useFused ? "; sampling and evaluation use the fused engine)" : ")");
        }
        if (useFused) {
            return "fused";
        }
        return "graph (" + graphReason.orElse("asked for") + ")";
    }

    private static FusedLagrangian.Spec fusedSpec(FlowConfig c) {
        return new FusedLagrangian.Spec(c.dimension(), c.hidden(), c.leapfrogSteps(), c.stepSize(), c.learnableStepSize(),
                c.separateHamiltonians(), c.kinetic() == FlowConfig.Kinetic.QUADRATIC, c.constraint() == FlowConfig.Constraint.HARD,
                c.constraint() == FlowConfig.Constraint.SOFT, c.penaltySites() == FlowConfig.PenaltySites.BASE_AND_FLOW,
                c.penaltySites() == FlowConfig.PenaltySites.DATA_AND_BASE,
                c.kappa(), c.precision() == FlowConfig.Precision.FLOAT64, c.trainingSamples(), c.contextSize());
    }

    private static boolean onHost() {
        String backend = Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT);
        return !(backend.contains("cublas") || backend.contains("cuda"));
    }

    /**
     * Runs the fused path on {@code threads} cores (default 1): each step's batch, and each block of
     * log-density rows, is cut into that many shards computed in parallel ({@link ShardedLagrangian}).
     * Results equal the one-thread results up to the order of floating-point sums. No effect on models
     * that train through the graph.
     */
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (fused != null && fused.threads() != threads) {
            fused.close();
            fused = new ShardedLagrangian(fusedSpec(config), parts.symmetry(), parts.base(), parameterShapes, threads);
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
        INDArray x = useFused ? forward(q, p)[0] : null;
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
        if (!config.conditional() || !useFused) {
            throw new IllegalStateException(!config.conditional() ? "the model is not conditional: it has no context gradient"
                    : "the context gradient is computed by the fused engine, and this model runs on the graph: " + engineDescription());
        }
        double[][] l = new double[1][];
        Map<String, INDArray> feeds = givenFeeds(q, noise, penaltyQ, penaltyP, lambda, l);
        FusedLagrangian.Result r = fused.evaluateWithContextGradient(parameters(), feeds.get("q"), feeds.get("noise"),
                feeds.get("penaltyQ"), feeds.get("penaltyP"), l[0]);
        int k = config.contextSize();
        INDArray c = Nd4j.create(r.contextGradient(), new long[] {q.rows(), k}, DataType.DOUBLE);
        INDArray pc = feeds.get("penaltyQ") == null ? null
                : Nd4j.create(r.penaltyContextGradient(), new long[] {penaltyQ.rows(), k}, DataType.DOUBLE);
        return new ContextObjective(new Objective(r.loss(), r.negElbo(), r.constraints(), r.gradients()), c, pc);
    }

    private Objective evaluate(Map<String, INDArray> feeds, double[] lambda) {
        if (useFused) {
            FusedLagrangian.Result r = fused.evaluate(parameters(), feeds.get("q"), feeds.get("noise"), feeds.get("penaltyQ"),
                    feeds.get("penaltyP"), lambda);
            return new Objective(r.loss(), r.negElbo(), r.constraints(), r.gradients());
        }
        Quiet.createGradFunction(sd);
        List<String> outputs = new ArrayList<>(List.of("loss", "negElbo"));
        if (generatorCount > 0) {
            outputs.add("constraints");
        }
        OutAndGrad og = sd.calculateGradientsAndOutputs(feeds, outputs, parameterNames);
        double[] constraints = generatorCount > 0 ? og.getOutputs().get("constraints").toDoubleVector() : new double[0];
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : parameterNames) {
            grads.put(name, og.getGradients().get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }
        return new Objective(og.getOutputs().get("loss").getDouble(0), og.getOutputs().get("negElbo").getDouble(0),
                constraints, grads);
    }

    /** The loss at a batch with the noise of the given iteration. */
    public double loss(INDArray batch, long noiseIteration) {
        if (reverseKl != null) {
            return reverseKlObjective(batch, noiseIteration, false).loss();
        }
        if (useFused) {
            return evaluate(batch, noiseIteration).loss();
        }
        return sd.output(trainingFeeds(batch, noiseIteration), "loss").get("loss").getDouble(0);
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
        double[] w = elboInOwnPrecision(x, seed);
        Iwae.Estimate[] one = new Iwae.Estimate[w.length];
        for (int i = 0; i < w.length; i++) {
            one[i] = new Iwae.Estimate(w[i], Double.NaN);
        }
        one = withDefensiveProposal(one, x, 1, seed);
        for (int i = 0; i < w.length; i++) {
            w[i] = one[i].logDensity();
        }
        return w;
    }

    /** The same model in float64, same weights and state (far-point estimates). */
    private EquivariantHamiltonianFlow float64Twin() {
        ModelState s = state();
        FlowConfig wide = config.toBuilder().precision(FlowConfig.Precision.FLOAT64).build();
        return restore(new ModelState(wide, s.parameters(), s.optimizer(), s.iteration(), s.learningRate(),
                s.consecutiveSkips(), s.multipliers(), s.multiplierAverages()));
    }

    private double[] elboInOwnPrecision(INDArray x, long seed) {
        INDArray q = toModelSpace(x);
        INDArray noise = Noise.gaussian(Noise.stream(seed, 0, Noise.Purpose.EVALUATION), q.rows(), config.dimension(), dataType);
        double[] w = logWeights(q, noise);
        double shift = config.logScaleJacobian();
        for (int i = 0; i < w.length; i++) {
            w[i] -= shift;
        }
        return w;
    }

    /**
     * The IWAE estimate of {@code log p(x)} (a conditional model's {@code log p(x | c)} of rows {@code [x | c]}) for each row (data units) with {@code m} importance samples,
     * and its Monte Carlo standard error. Seeded: the same call gives the same numbers.
     *
     * <p>Far from the data the estimate can fail: a float32 model's activations overflow (an encoder scale
     * {@code exp(log σ)}, a squared norm beyond 3.4e38), or the encoder's proposal is so wide that the
     * weights collapse onto one sample. Such rows are estimated again in float64 with a defensive proposal
     * ({@link #withDefensiveProposal}), so far points get large negative finite values; only a point
     * beyond double precision (|x| above about 1e150) gives a non-finite estimate.
     */
    @Override
    public Iwae.Estimate[] logDensity(INDArray x, int m, long seed) {
        return withDefensiveProposal(logDensityInOwnPrecision(x, m, seed), x, m, seed);
    }

    /**
     * Far from the data the encoder's proposal fails: its scale {@code exp(log σ(q))} grows with {@code |q|}
     * until the importance weights overflow or collapse onto one sample (standard error near 1, effective
     * sample size near 1), or a float32 model's activations overflow. Such rows (non-finite, or with a
     * standard error above {@value #COLLAPSED_STANDARD_ERROR}) are estimated again, in float64 with the same
     * weights, with the defensive mixture proposal
     * {@code r(p) = a·h(p|q) + (1−a)·N(0, I)} ({@code a = ½}; half the momenta drawn from each part) and
     * balance-heuristic weights {@code π(T⁻¹(q,p)) / r(p)} (Hesterberg 1995; Owen & Zhou 2000): an
     * importance sampler with any full-support proposal estimates the same {@code log p(q)}, and the
     * {@code N(0, I)} part keeps the weights bounded where {@code h} is useless.
     */
    private Iwae.Estimate[] withDefensiveProposal(Iwae.Estimate[] out, INDArray x, int m, long seed) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            if (failed(out[i])) {
                bad.add(i);
            }
        }
        if (bad.isEmpty()) {
            return out;
        }
        EquivariantHamiltonianFlow wide = dataType == DataType.DOUBLE ? this : float64Twin();
        int d = config.dimension();
        int fromEncoder = m / 2;
        double a = (double) fromEncoder / m;
        double shift = config.logScaleJacobian();
        int rowsPerPass = Math.max(1, MAX_ROWS_PER_PASS / m);
        for (int start = 0; start < bad.size(); start += rowsPerPass) {
            List<Integer> pass = bad.subList(start, Math.min(bad.size(), start + rowsPerPass));
            int n = pass.size();
            // n blocks of m rows: each row's point repeated, its momenta drawn from its own seeded stream
            int width = config.rowWidth();
            INDArray points = Nd4j.create(DataType.DOUBLE, n, width);
            INDArray p = Nd4j.create(DataType.DOUBLE, (long) n * m, d);
            for (int k = 0; k < n; k++) {
                points.putRow(k, x.getRow(pass.get(k)).castTo(DataType.DOUBLE));
                p.get(interval((long) k * m, (long) (k + 1) * m), all()).assign(
                        Noise.gaussian(Noise.stream(seed, pass.get(k), Noise.Purpose.EVALUATION), m, d, DataType.DOUBLE));
            }
            INDArray model = wide.toModelSpace(points);
            INDArray q = Nd4j.create(DataType.DOUBLE, (long) n * m, width);
            for (int k = 0; k < n; k++) {
                q.get(interval((long) k * m, (long) (k + 1) * m), all()).assign(Nd4j.tile(model.getRow(k).reshape(1, width), m, 1));
            }
            if (fromEncoder > 0) {
                INDArray drawn = wide.encode(q, p).castTo(DataType.DOUBLE);
                for (int k = 0; k < n; k++) {
                    long first = (long) k * m;
                    p.get(interval(first, first + fromEncoder), all()).assign(drawn.get(interval(first, first + fromEncoder), all()));
                }
            }
            double[] logJoint = wide.logJoint(q, p).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            double[] logH = wide.encoderLogDensity(q, p).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            double[] pp = p.reshape(-1).toDoubleVector();
            double[] w = new double[m];
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < m; j++) {
                    int r = k * m + j;
                    double sq = 0;
                    for (int c = 0; c < d; c++) {
                        sq += pp[r * d + c] * pp[r * d + c];
                    }
                    double logNormal = -0.5 * sq - 0.5 * d * Math.log(2 * Math.PI);
                    double logR = a == 0 ? logNormal : logSumExp(Math.log(a) + logH[r], Math.log(1 - a) + logNormal);
                    w[j] = logJoint[r] - logR;
                    if (Double.isNaN(w[j])) {
                        w[j] = Double.NEGATIVE_INFINITY;  // an encoder draw at infinity, where π vanishes: weight 0
                    }
                }
                Iwae.Estimate e = Iwae.estimate(w);
                if (Double.isFinite(e.logDensity())) {
                    out[pass.get(k)] = new Iwae.Estimate(e.logDensity() - shift, e.standardError());
                }
            }
        }
        return out;
    }

    private static boolean failed(Iwae.Estimate e) {
        return !Double.isFinite(e.logDensity()) || e.standardError() > COLLAPSED_STANDARD_ERROR;
    }

    private static double logSumExp(double u, double v) {
        double max = Math.max(u, v);
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(Math.exp(u - max) + Math.exp(v - max));
    }

    private Iwae.Estimate[] logDensityInOwnPrecision(INDArray x, int m, long seed) {
        if (m < 1) {
            throw new IllegalArgumentException("the number of importance samples must be >= 1, got " + m);
        }
        INDArray q = toModelSpace(x);
        int n = (int) q.rows();
        int d = config.dimension();
        Iwae.Estimate[] out = new Iwae.Estimate[n];
        int pointsPerPass = Math.max(1, MAX_ROWS_PER_PASS / m);
        double shift = config.logScaleJacobian();
        for (int start = 0, chunk = 0; start < n; start += pointsPerPass, chunk++) {
            int count = Math.min(pointsPerPass, n - start);
            INDArray block = q.get(interval(start, start + count), all());
            INDArray repeated = Nd4j.tile(block, m, 1);
            INDArray noise = Noise.gaussian(Noise.stream(seed, start, Noise.Purpose.EVALUATION), (long) count * m, d, dataType);
            double[] w = logWeights(repeated, noise);
            double[] perPoint = new double[m];
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < m; k++) {
                    perPoint[k] = w[k * count + i];
                }
                Iwae.Estimate e = Iwae.estimate(perPoint);
                out[start + i] = new Iwae.Estimate(e.logDensity() - shift, e.standardError());
            }
        }
        return out;
    }

    /** {@code log w} of each row in the model's space, on the fused path when it is in use. */
    private double[] logWeights(INDArray q, INDArray noise) {
        if (useFused) {
            return fused.logWeights(parameters(), q, noise);
        }
        return sd.output(Map.of("q", q, "noise", noise), "logWeight").get("logWeight").toDoubleVector();
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
        long n = s0[1].rows();
        if (useFused) {
            List<double[]> last = fused.forwardFlow(parameters(), s0[0], s0[1], FusedLagrangian.Kept.FINAL_POSITION);
            return toDataSpace(matrix(last.get(0), n));
        }
        String name = "forwardQ" + config.leapfrogSteps();
        return toDataSpace(sd.output(Map.of("stateQ", s0[0], "stateP", s0[1]), name).get(name));
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

    /** A fused engine result per row as a vector {@code [n]} of the model's type. */
    private INDArray vector(double[] values) {
        return Nd4j.create(values, new long[] {values.length}, DataType.DOUBLE).castTo(dataType);
    }

    /** A fused engine result ({@code n × d}, row-major doubles) as an array of the model's type. */
    private INDArray matrix(double[] values, long n) {
        return Nd4j.create(values, new long[] {n, config.dimension()}, DataType.DOUBLE).castTo(dataType);
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
        int n = Math.toIntExact(s0[1].rows());
        INDArray q0 = s0[0];
        INDArray p0 = s0[1];
        int steps = config.leapfrogSteps();
        if (useFused) {
            List<double[]> states = fused.forwardFlow(parameters(), q0, p0, FusedLagrangian.Kept.ALL_STATES);
            List<INDArray> qs = new ArrayList<>();
            List<INDArray> ps = new ArrayList<>();
            for (int i = 0; i <= steps; i++) {
                qs.add(toDataSpace(matrix(states.get(2 * i), n)));
                ps.add(matrix(states.get(2 * i + 1), n));
            }
            return new Trajectory(qs, ps);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= steps; i++) {
            names.add("forwardQ" + i);
            names.add("forwardP" + i);
        }
        Map<String, INDArray> out = sd.output(Map.of("stateQ", q0, "stateP", p0), names);
        List<INDArray> qs = new ArrayList<>(List.of(toDataSpace(q0.get(all(), interval(0, config.dimension())))));
        List<INDArray> ps = new ArrayList<>(List.of(p0));
        for (int i = 1; i <= steps; i++) {
            qs.add(toDataSpace(out.get("forwardQ" + i)));
            ps.add(out.get("forwardP" + i));
        }
        return new Trajectory(qs, ps);
    }

    /**
     * {@code T(q, p)} in the model's space: {@code [q', p']}. Here and in {@link #inverse}, {@link #logJoint},
     * {@link #encode}, {@link #encoderLogDensity} and the energies, a conditional model's rows {@code q} carry the
     * model-space context as their last {@code k} columns ({@code [B, d + k]}); momenta and results are {@code [B, d]}.
     */
    public INDArray[] forward(INDArray q, INDArray p) {
        if (useFused) {
            List<double[]> last = fused.forwardFlow(parameters(), cast(q), cast(p), FusedLagrangian.Kept.FINAL_STATE);
            return new INDArray[] {matrix(last.get(0), q.rows()), matrix(last.get(1), q.rows())};
        }
        String qn = "forwardQ" + config.leapfrogSteps();
        String pn = "forwardP" + config.leapfrogSteps();
        Map<String, INDArray> out = sd.output(Map.of("stateQ", cast(q), "stateP", cast(p)), qn, pn);
        return new INDArray[] {out.get(qn), out.get(pn)};
    }

    /** {@code T⁻¹(q, p)} in the model's space: {@code [q0, p0]}. */
    public INDArray[] inverse(INDArray q, INDArray p) {
        Map<String, INDArray> out = sd.output(Map.of("stateQ", cast(q), "stateP", cast(p)), "inverseQ", "inverseP");
        return new INDArray[] {out.get("inverseQ"), out.get("inverseP")};
    }

    /** {@code log p(q, p) = log π(T⁻¹(q, p))} in the model's space, shape {@code [B]}. */
    public INDArray logJoint(INDArray q, INDArray p) {
        if (useFused) {
            return vector(fused.logJoint(parameters(), cast(q), cast(p)));
        }
        return sd.output(Map.of("stateQ", cast(q), "stateP", cast(p)), "logJoint").get("logJoint");
    }

    /** Encoder draws {@code p = μ(q) + σ(q) ⊙ noise} in the model's space. */
    public INDArray encode(INDArray q, INDArray noise) {
        if (useFused) {
            return matrix(fused.encode(parameters(), cast(q), cast(noise)), q.rows());
        }
        return sd.output(Map.of("q", cast(q), "noise", cast(noise)), "encoderP").get("encoderP");
    }

    /** {@code log h(p|q)} in the model's space, shape {@code [B]}. */
    public INDArray encoderLogDensity(INDArray q, INDArray p) {
        if (useFused) {
            return vector(fused.encoderLogDensity(parameters(), cast(q), cast(p)));
        }
        return sd.output(Map.of("q", cast(q), "stateP", cast(p)), "encoderLogDensity").get("encoderLogDensity");
    }

    /** {@code K(p)} of Hamiltonian {@code h} (0 unless each step has its own), shape {@code [B, 1]}. */
    public INDArray kineticEnergy(INDArray p, int h) {
        return sd.output(Map.of("energyX", cast(p)), "kinetic" + h).get("kinetic" + h);
    }

    /** {@code U(q)} of Hamiltonian {@code h} in the model's space, shape {@code [B, 1]}. */
    public INDArray potentialEnergy(INDArray q, int h) {
        return sd.output(Map.of("energyX", cast(q)), "potential" + h).get("potential" + h);
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
        Map<String, INDArray> feeds = Map.of("penaltyQ", q0, "penaltyP", s0.get(all(), interval(d, 2 * d)).dup());
        if (useFused) {
            return fused.constraints(parameters(), feeds.get("penaltyQ"), feeds.get("penaltyP"));
        }
        String name = sd.hasVariable("baseConstraints") ? "baseConstraints" : "constraints";
        return sd.output(feeds, name).get(name).toDoubleVector();
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
