package org.eqflow.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqflow.core.Choices;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.FlowParts;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.graph.RecordingParameters;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * An equivariant Hamiltonian flow density head as a DL4J output layer: it models the density of its
 * input. Built from the same flow-core graph builders as {@link org.eqflow.core.EquivariantHamiltonianFlow},
 * with the same parameter names, so weights move freely between the two ({@link DensityLayers}).
 *
 * <ul>
 *   <li><b>Score</b> (what DL4J differentiates and divides by the batch size B): the batch-sum Lagrangian
 *       {@code Σ_b(−ELBO_b) + B·Σ_k λ_k(C_k − κ)}. Without a soft constraint, {@code Σ_b(−ELBO_b)}.</li>
 *   <li><b>Labels carry the noise</b>: {@code [ε | q_π | p_π]}, {@code 3d} columns (encoder noise and the base
 *       samples of the penalty), written by the {@link FlowNoise} pre-processor from {@code (seed, batch counter)}.
 *       The score is then a deterministic function of weights and data (gradient checks work, and the
 *       flow-core model gives the same loss for the same noise).</li>
 *   <li><b>Output</b>: per-example IWAE estimates of {@code log p(x)}, {@code [B, 1]}, with
 *       {@link #getOutputSamples()} importance samples drawn by ND4J's random generator.</li>
 *   <li><b>Multipliers</b> {@code λ_k} and their moving averages are parameters {@code lambda} and
 *       {@code lambdaEma} that DL4J's updater never moves (a zero-rate SGD, no regularisation); {@link MultiplierListener}
 *       updates them after each iteration, and {@code ModelSerializer} saves them with the network.</li>
 *   <li><b>Upstream layers</b> must be frozen, pretrained or fixed: the density has no Jacobian term for
 *       the layers before it, which could otherwise shrink their features and inflate {@code log p}
 *       without bound. {@link MultiplierListener} checks this at the first iteration.</li>
 * </ul>
 */
public final class EquivariantDensityLayer extends SameDiffOutputLayer {
    /** Name of the multiplier parameter. */
    public static final String LAMBDA = "lambda";
    /** Name of the multipliers' moving-average parameter. */
    public static final String LAMBDA_EMA = "lambdaEma";
    static final String SCORE = "score";
    static final String CONSTRAINTS = "constraints";

    /** flow-core's defaults: the layer has the same ones, kept in one place. */
    private static final FlowConfig DEFAULTS = FlowConfig.builder(1).build();

    private int dimension;
    private int hidden = DEFAULTS.hidden();
    private int leapfrogSteps = DEFAULTS.leapfrogSteps();
    private double stepSize = DEFAULTS.stepSize();
    private boolean learnableStepSize = DEFAULTS.learnableStepSize();
    private boolean separateHamiltonians = DEFAULTS.separateHamiltonians();
    private String kinetic = DEFAULTS.kinetic().name().toLowerCase(Locale.ROOT);
    private String base = DEFAULTS.base();
    private List<String> symmetries = new ArrayList<>();
    private String constraint;
    private double kappa = DEFAULTS.kappa();
    private String penaltySites = Choices.print(DEFAULTS.penaltySites());
    private double multiplierRate = DEFAULTS.multiplierRate();
    private double multiplierEma = DEFAULTS.multiplierEma();
    private double initialMultiplier = DEFAULTS.initialMultiplier();
    private double maxMultiplier = DEFAULTS.maxMultiplier();
    private int outputSamples = 64;
    private long seed;
    private List<Double> centre = new ArrayList<>();
    private double scale = 1.0;
    /** k of a conditional density {@code p(x | c)}: the input's last k columns are the context (0: none). */
    private int contextSize;
    /** The context's per-column centre and scale (empty: 0 and 1). */
    private List<Double> contextCentre = new ArrayList<>();
    private List<Double> contextScale = new ArrayList<>();

    /** For JSON. */
    public EquivariantDensityLayer() {
    }

    /** @return a builder with flow-core's defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding a flow-core model's configuration (for a model trained with flow-core and deployed in
     * DL4J: {@link DensityLayers#toNetwork}). Its optimiser settings (learning rate, clipping) are the
     * network's business, its precision the network's data type.
     *
     * @param c a configuration whose potential is flow-core's MLP (a custom potential class has no layer form)
     * @return a builder with every option of {@code c}
     */
    public static Builder builder(FlowConfig c) {
        if (!"mlp".equals(c.potential())) {
            throw new IllegalArgumentException("the density layer has no form of the custom potential '" + c.potential()
                    + "'; train that model with flow-core");
        }
        Builder b = new Builder().nIn(c.rowWidth()).contextSize(c.contextSize()).hidden(c.hidden()).leapfrogSteps(c.leapfrogSteps()).stepSize(c.stepSize())
                .learnableStepSize(c.learnableStepSize()).separateHamiltonians(c.separateHamiltonians()).kinetic(c.kinetic())
                .base(c.base()).constraint(c.constraint()).penaltySites(c.penaltySites()).multiplierRate(c.multiplierRate())
                .multiplierEma(c.multiplierEma()).initialMultiplier(c.initialMultiplier()).maxMultiplier(c.maxMultiplier())
                .seed(c.seed()).centre(c.centre().stream().mapToDouble(Double::doubleValue).toArray()).scale(c.scale());
        c.symmetries().forEach(b::symmetry);
        if (c.conditional()) {
            b.contextScaling(c.contextCentre().stream().mapToDouble(Double::doubleValue).toArray(),
                    c.contextScale().stream().mapToDouble(Double::doubleValue).toArray());
        }
        if (c.constraint() == FlowConfig.Constraint.SOFT && c.generatorCount() > 0) {
            b.kappa(c.kappa());
        }
        return b;
    }

    /** The flow-core configuration this layer implements, for the given precision. */
    public FlowConfig flowConfig(DataType dataType) {
        if (dimension < 1) {
            throw new IllegalArgumentException("the density layer needs its input dimension: set nIn(d) or give the network an InputType");
        }
        if (contextSize < 0 || contextSize >= dimension) {
            throw new IllegalArgumentException("the density layer's input has " + dimension + " columns, so its context size must be in 0.."
                    + (dimension - 1) + " (at least one coordinate is modelled), got " + contextSize);
        }
        FlowConfig.Builder b = FlowConfig.builder(dimension - contextSize).contextSize(contextSize)
                .contextScaling(contextCentre, contextScale).hidden(hidden).leapfrogSteps(leapfrogSteps).stepSize(stepSize)
                .learnableStepSize(learnableStepSize).separateHamiltonians(separateHamiltonians)
                .kinetic(Choices.parse("the density layer's kinetic", kinetic, FlowConfig.Kinetic.class)).base(base).symmetries(symmetries)
                .seed(seed).centre(centre).scale(scale)
                .trainingSamples(1)  // a layer's score is per example: the ELBO (docs/dl4j.md)
                .precision(dataType == DataType.DOUBLE ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32);
        if (constraint != null) {
            b.constraint(Choices.parse("the density layer's constraint", constraint, FlowConfig.Constraint.class));
        }
        // Settings of the soft constraint reach the library only when they differ from its defaults: given, they
        // select the soft constraint when none is named (as in FlowConfig.Builder), and κ is refused with another one.
        FlowConfig.PenaltySites sites = Choices.parse("the density layer's penalty sites", penaltySites, FlowConfig.PenaltySites.class);
        if (sites != DEFAULTS.penaltySites()) {
            b.penaltySites(sites);
        }
        if (multiplierRate != DEFAULTS.multiplierRate()) {
            b.multiplierRate(multiplierRate);
        }
        if (multiplierEma != DEFAULTS.multiplierEma()) {
            b.multiplierEma(multiplierEma);
        }
        if (initialMultiplier != DEFAULTS.initialMultiplier()) {
            b.initialMultiplier(initialMultiplier);
        }
        if (maxMultiplier != DEFAULTS.maxMultiplier()) {
            b.maxMultiplier(maxMultiplier);
        }
        if (kappa != DEFAULTS.kappa()) {
            b.kappa(kappa);
        }
        return b.build();
    }

    /** The dimension d of the modelled coordinates: the input's columns less the context's. */
    public int flowDimension() {
        return dimension - contextSize;
    }

    /** Number of generators whose multipliers this layer keeps (soft constraint only). */
    int multiplierCount() {
        FlowConfig c = flowConfig(DataType.FLOAT);
        return c.constraint() == FlowConfig.Constraint.SOFT ? c.generatorCount() : 0;
    }

    // ------------------------------------------------------------------ DL4J layer contract

    @Override
    public void defineParameters(SDLayerParams params) {
        RecordingParameters rec = new RecordingParameters();
        FlowParts.build(rec.graph(), flowConfig(DataType.FLOAT), rec);
        for (RecordingParameters.Spec s : rec.specs()) {
            params.addWeightParam(s.name(), s.shape());
        }
        int g = multiplierCount();
        if (g > 0) {
            params.addWeightParam(LAMBDA, 1, g);
            params.addWeightParam(LAMBDA_EMA, 1, g);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        RecordingParameters rec = new RecordingParameters();
        FlowParts.build(rec.graph(), flowConfig(DataType.FLOAT), rec);
        SplittableRandom rng = new SplittableRandom(seed);
        for (RecordingParameters.Spec s : rec.specs()) {
            INDArray target = params.get(s.name());
            double[] v = new double[(int) target.length()];
            s.init().fill(v, s.shape(), rng);
            target.assign(Nd4j.create(v, s.shape(), DataType.DOUBLE).castTo(target.dataType()));
        }
        if (params.containsKey(LAMBDA)) {
            params.get(LAMBDA).assign(initialMultiplier);
            params.get(LAMBDA_EMA).assign(0);
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> paramTable) {
        DataType dt = input.dataType();
        FlowConfig c = flowConfig(dt);
        ParameterSource fromDl4j = (name, shape, init) -> paramTable.get(name);
        FlowParts parts = FlowParts.build(sd, c, fromDl4j);
        int d = c.dimension();
        // A conditional layer's input is [x | c]: the flow acts on x, the context conditions its networks.
        SDVariable[] rows = parts.splitRows(sd, input);
        input = rows[0];
        SDVariable context = rows[1];
        if (context != null && !c.identityContextScaling()) {
            // the context as flow-core's model sees it: (c − centre)/scale per column
            double[] centre = c.contextCentre().stream().mapToDouble(Double::doubleValue).toArray();
            double[] scale = c.contextScale().stream().mapToDouble(Double::doubleValue).toArray();
            context = context.sub(sd.constant(Nd4j.create(centre, new long[] {1, centre.length}, DataType.DOUBLE).castTo(dt)))
                    .div(sd.constant(Nd4j.create(scale, new long[] {1, scale.length}, DataType.DOUBLE).castTo(dt)));
        }
        if (!c.identityScaling()) {
            // The model sees (x − centre) / scale, as flow-core's model does (the score is in the model's units, as flow-core's loss).
            double[] row = c.centre().stream().mapToDouble(Double::doubleValue).toArray();
            input = input.sub(sd.constant(Nd4j.create(row, new long[] {1, d}, DataType.DOUBLE).castTo(dt))).div(c.scale());
        }

        // The score: the batch-sum Lagrangian, with the noise from the labels. (The layer's output, seeded IWAE
        // estimates of log p, comes from flow-core's estimator, see DensityLayerImpl, not from this graph.)
        SDVariable rowCount = sd.sizeAt(input, 0).castTo(dt);
        SDVariable eps = sd.slice(labels, new int[] {0, 0}, -1, d);
        if (!paramTable.containsKey(LAMBDA)) {
            return parts.lagrangian(sd, input, context, eps, null, null, null).loss().mul(rowCount).rename(SCORE);
        }
        PhaseState baseStates = new PhaseState(sd.slice(labels, new int[] {0, d}, -1, d), sd.slice(labels, new int[] {0, 2 * d}, -1, d));
        // The penalty's base sample of each row is taken at that row's context.
        FlowParts.Lagrangian lagrangian = parts.lagrangian(sd, input, context, eps, baseStates, context, paramTable.get(LAMBDA));
        lagrangian.constraints().rename(CONSTRAINTS);
        // DL4J wants every parameter to reach the score: the moving average does, with weight zero.
        return lagrangian.loss().mul(rowCount).add(paramTable.get(LAMBDA_EMA).sum().mul(0.0)).rename(SCORE);
    }

    @Override
    public String activationsVertexName() {
        return SCORE;  // not read: DensityLayerImpl.activate computes the output
    }

    @Override
    public boolean labelsRequired() {
        return true;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(1);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (dimension < 1 || override) {
            dimension = (int) feedForwardSize(inputType);
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        feedForwardSize(inputType);
        return null;
    }

    /** The size of feed-forward input, or an error that says what to do with any other kind. */
    private long feedForwardSize(InputType inputType) {
        if (inputType instanceof InputType.InputTypeFeedForward ff) {
            return ff.getSize();
        }
        throw new IllegalArgumentException("the density layer " + (getLayerName() == null ? "" : "'" + getLayerName() + "' ")
                + "takes points in R^d (InputType.feedForward(d)), got " + inputType + ": flatten first, e.g. a "
                + "CnnToFeedForwardPreProcessor for images or LastTimeStep for sequences, or features from a dense layer");
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        // DL4J's NoOp updater applies the raw gradient (it does not freeze): λ would descend on −(C − κ), the
        // opposite of its rule. A zero learning rate makes the update exactly zero whatever the gradient.
        return isMultiplier(paramName) ? new Sgd(0.0) : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isMultiplier(paramName) ? List.of() : super.getRegularizationByParam(paramName);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        DensityLayerImpl ret = new DensityLayerImpl(conf, networkDataType);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        ret.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        ret.setConf(conf);
        return ret;
    }

    static boolean isMultiplier(String name) {
        return LAMBDA.equals(name) || LAMBDA_EMA.equals(name);
    }

    // ------------------------------------------------------------------ bean accessors (JSON needs them all; the builder documents each)

    /** @return the context size k (0: not conditional) */
    public int getContextSize() { return contextSize; }
    /** @param v the context size k */
    public void setContextSize(int v) { contextSize = v; }
    /** @return the context's per-column centre (empty: zeros) */
    public List<Double> getContextCentre() { return contextCentre; }
    /** @param v the context's per-column centre */
    public void setContextCentre(List<Double> v) { contextCentre = new ArrayList<>(v); }
    /** @return the context's per-column scale (empty: ones) */
    public List<Double> getContextScale() { return contextScale; }
    /** @param v the context's per-column scale */
    public void setContextScale(List<Double> v) { contextScale = new ArrayList<>(v); }
    /** @return the input's columns: d, or d + k with a context (0 until set by {@code nIn} or the network's {@code InputType}) */
    public int getDimension() { return dimension; }
    /** @param v the input's columns */
    public void setDimension(int v) { dimension = v; }
    /** @return the hidden width of every MLP */
    public int getHidden() { return hidden; }
    /** @param v the hidden width of every MLP */
    public void setHidden(int v) { hidden = v; }
    /** @return the number of Leap-Frog steps */
    public int getLeapfrogSteps() { return leapfrogSteps; }
    /** @param v the number of Leap-Frog steps */
    public void setLeapfrogSteps(int v) { leapfrogSteps = v; }
    /** @return the initial Leap-Frog step size */
    public double getStepSize() { return stepSize; }
    /** @param v the initial Leap-Frog step size */
    public void setStepSize(double v) { stepSize = v; }
    /** @return whether each step learns its step size */
    public boolean isLearnableStepSize() { return learnableStepSize; }
    /** @param v whether each step learns its step size */
    public void setLearnableStepSize(boolean v) { learnableStepSize = v; }
    /** @return whether each Leap-Frog step has its own Hamiltonian */
    public boolean isSeparateHamiltonians() { return separateHamiltonians; }
    /** @param v whether each Leap-Frog step has its own Hamiltonian */
    public void setSeparateHamiltonians(boolean v) { separateHamiltonians = v; }
    /** @return the kinetic energy, {@code mlp} or {@code quadratic} */
    public String getKinetic() { return kinetic; }
    /** @param v the kinetic energy, {@code mlp} or {@code quadratic} */
    public void setKinetic(String v) { kinetic = v; }
    /** @return the base density spec */
    public String getBase() { return base; }
    /** @param v the base density spec */
    public void setBase(String v) { base = v; }
    /** @return the symmetry specs */
    public List<String> getSymmetries() { return symmetries; }
    /** @param v the symmetry specs */
    public void setSymmetries(List<String> v) { symmetries = new ArrayList<>(v); }
    /** @return the constraint, {@code soft}, {@code hard} or {@code none}; null for flow-core's default */
    public String getConstraint() { return constraint; }
    /** @param v the constraint, {@code soft}, {@code hard} or {@code none}; null for flow-core's default */
    public void setConstraint(String v) { constraint = v; }
    /** @return κ of the soft constraint */
    public double getKappa() { return kappa; }
    /** @param v κ of the soft constraint */
    public void setKappa(double v) { kappa = v; }
    /** @return where the soft constraint evaluates its brackets */
    public String getPenaltySites() { return penaltySites; }
    /** @param v where the soft constraint evaluates its brackets */
    public void setPenaltySites(String v) { penaltySites = v; }
    /** @return the multiplier rate η */
    public double getMultiplierRate() { return multiplierRate; }
    /** @param v the multiplier rate η */
    public void setMultiplierRate(double v) { multiplierRate = v; }
    /** @return the multipliers' moving-average factor α */
    public double getMultiplierEma() { return multiplierEma; }
    /** @param v the multipliers' moving-average factor α */
    public void setMultiplierEma(double v) { multiplierEma = v; }
    /** @return λ of every generator at the start */
    public double getInitialMultiplier() { return initialMultiplier; }
    /** @param v λ of every generator at the start */
    public void setInitialMultiplier(double v) { initialMultiplier = v; }
    /** @return the bound of λ: it stays in {@code [1/max, max]} */
    public double getMaxMultiplier() { return maxMultiplier; }
    /** @param v the bound of λ: it stays in {@code [1/max, max]} */
    public void setMaxMultiplier(double v) { maxMultiplier = v; }
    /** @return the importance samples M of each output estimate */
    public int getOutputSamples() { return outputSamples; }
    /** @param v the importance samples M of each output estimate */
    public void setOutputSamples(int v) { outputSamples = v; }
    /** @return the centre subtracted from the input before scaling (empty: the origin) */
    public List<Double> getCentre() { return centre; }
    /** @param v the centre subtracted from the input before scaling (empty: the origin) */
    public void setCentre(List<Double> v) { centre = new ArrayList<>(v); }
    /** @return the isotropic scale s: the flow sees {@code (x − centre) / s} */
    public double getScale() { return scale; }
    /** @param v the isotropic scale s: the flow sees {@code (x − centre) / s} */
    public void setScale(double v) { scale = v; }
    /** @return the seed of the initial weights and of {@code output()}'s estimates */
    public long getSeed() { return seed; }
    /** @param v the seed of the initial weights and of {@code output()}'s estimates */
    public void setSeed(long v) { seed = v; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EquivariantDensityLayer l) || !super.equals(o)) {
            return false;
        }
        return dimension == l.dimension && hidden == l.hidden && leapfrogSteps == l.leapfrogSteps && stepSize == l.stepSize
                && learnableStepSize == l.learnableStepSize && separateHamiltonians == l.separateHamiltonians
                && kinetic.equals(l.kinetic) && base.equals(l.base) && symmetries.equals(l.symmetries)
                && java.util.Objects.equals(constraint, l.constraint) && kappa == l.kappa && penaltySites.equals(l.penaltySites)
                && multiplierRate == l.multiplierRate
                && multiplierEma == l.multiplierEma && initialMultiplier == l.initialMultiplier && maxMultiplier == l.maxMultiplier
                && outputSamples == l.outputSamples && seed == l.seed && centre.equals(l.centre) && scale == l.scale
                && contextSize == l.contextSize && contextCentre.equals(l.contextCentre) && contextScale.equals(l.contextScale);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), dimension, hidden, leapfrogSteps, symmetries, constraint, kappa, seed,
                contextSize);
    }

    /**
     * Builds a validated layer configuration, DL4J style. Every option has flow-core's default
     * ({@link FlowConfig.Builder}); names given as text are checked when the layer is built, and a misspelt one
     * is refused with the list of allowed values.
     */
    public static final class Builder {
        private final EquivariantDensityLayer layer = new EquivariantDensityLayer();
        /** A setting of the soft constraint was given: without a named constraint, the soft one is meant (as in flow-core). */
        private boolean softSetting;

        private Builder() {
        }

        /**
         * The layer's name in the network (DL4J's {@code layerName}; a {@code ComputationGraph} names it in
         * {@code addLayer} instead). Default: none.
         */
        public Builder name(String name) { layer.setLayerName(name); return this; }
        /**
         * The input's columns: d, or d + k for a conditional layer ({@link #contextSize}). Default: from the network's
         * {@code InputType} when it is built.
         */
        public Builder nIn(int d) { layer.dimension = d; return this; }
        /** Hidden width of every MLP ({@code K}, {@code U}, encoder). Default {@value FlowConfig.Builder#DEFAULT_HIDDEN}. */
        public Builder hidden(int h) { layer.hidden = h; return this; }
        /** Number of Leap-Frog steps. Default {@value FlowConfig.Builder#DEFAULT_LEAPFROG_STEPS}. */
        public Builder leapfrogSteps(int l) { layer.leapfrogSteps = l; return this; }
        /** Initial step size ε of each Leap-Frog step. Default {@value FlowConfig.Builder#DEFAULT_STEP_SIZE}. */
        public Builder stepSize(double e) { layer.stepSize = e; return this; }
        /** Whether each step learns {@code log ε}. Default true. */
        public Builder learnableStepSize(boolean v) { layer.learnableStepSize = v; return this; }
        /** Whether each Leap-Frog step has its own {@code K} and {@code U}. Default {@value FlowConfig.Builder#DEFAULT_SEPARATE_HAMILTONIANS}. */
        public Builder separateHamiltonians(boolean v) { layer.separateHamiltonians = v; return this; }
        /** The kinetic energy. Default {@link FlowConfig.Kinetic#MLP}. */
        public Builder kinetic(FlowConfig.Kinetic k) { layer.kinetic = Choices.print(k); return this; }
        /** The kinetic energy by name: {@code mlp} (default) or {@code quadratic}. */
        public Builder kinetic(String k) { layer.kinetic = k; return this; }
        /** The base density: {@code normal} (default) or {@code soft-uniform:w,beta}. */
        public Builder base(String b) { layer.base = b; return this; }
        /** A symmetry spec ({@code so2}, {@code so3:0,1,2}, {@code class:NAME}, ...: docs/generators.md); repeatable. Default: none. */
        public Builder symmetry(String spec) { layer.symmetries.add(spec); return this; }
        /** How the symmetry is imposed. Default: flow-core's ({@link FlowConfig.Builder#defaultConstraint}). */
        public Builder constraint(FlowConfig.Constraint c) { layer.constraint = Choices.print(c); return this; }
        /** The constraint by name: {@code soft}, {@code hard} or {@code none}. */
        public Builder constraint(String c) { layer.constraint = c; return this; }
        /**
         * Where the soft constraint evaluates its brackets. Default {@link FlowConfig.PenaltySites#DATA_AND_BASE}
         * (the states the batch visits on its inverse flow, and base samples); {@code BASE} is the paper's.
         */
        public Builder penaltySites(FlowConfig.PenaltySites sites) { layer.penaltySites = Choices.print(sites); softSetting = true; return this; }
        /** The penalty sites by name: {@code data-and-base}, {@code base} or {@code base-and-flow}. */
        public Builder penaltySites(String sites) { layer.penaltySites = sites; softSetting = true; return this; }
        /** κ of the soft constraint (refused with another constraint). Default {@value FlowConfig.Builder#DEFAULT_KAPPA}. */
        public Builder kappa(double k) { layer.kappa = k; softSetting = true; return this; }
        /** Rate η of the multiplier rule. Default {@value FlowConfig.Builder#DEFAULT_MULTIPLIER_RATE}. */
        public Builder multiplierRate(double eta) { layer.multiplierRate = eta; softSetting = true; return this; }
        /** Moving-average factor α of the multiplier rule. Default {@value FlowConfig.Builder#DEFAULT_MULTIPLIER_EMA}. */
        public Builder multiplierEma(double alpha) { layer.multiplierEma = alpha; softSetting = true; return this; }
        /** λ of every generator at the start. Default {@value FlowConfig.Builder#DEFAULT_INITIAL_MULTIPLIER}. */
        public Builder initialMultiplier(double l) { layer.initialMultiplier = l; softSetting = true; return this; }
        /** λ stays in {@code [1/max, max]}. Default 1e4. */
        public Builder maxMultiplier(double max) { layer.maxMultiplier = max; softSetting = true; return this; }
        /** Importance samples M of each per-example {@code log p} output. Default 64. */
        public Builder outputSamples(int m) { layer.outputSamples = m; return this; }
        /** Seed of the initial weights and of {@code output()}'s estimates. Default 0. */
        public Builder seed(long s) { layer.seed = s; return this; }
        /**
         * The symmetry's centre, subtracted from the input before scaling (one value per coordinate). Default:
         * the origin. Log-densities stay in the input's units; the score is in the model's, as flow-core's loss.
         */
        public Builder centre(double... c) {
            layer.centre = new ArrayList<>();
            for (double v : c) {
                layer.centre.add(v);
            }
            return this;
        }
        /** Isotropic scale s: the flow sees {@code (x − centre) / s} (one scale keeps rotations rotations). Default 1. */
        public Builder scale(double s) { layer.scale = s; return this; }
        /**
         * A conditional density {@code p(x | c)}: the input's last {@code k} columns are the context c, which conditions
         * K, U and the encoder and is not acted on by the symmetry (docs/conditional.md). The layer passes its score's
         * gradient to the context columns (and none to x), so layers that compute the context from other inputs train;
         * wire them with a {@code MergeVertex(x, context)} in a {@code ComputationGraph} (docs/dl4j.md). Default 0.
         */
        public Builder contextSize(int k) { layer.contextSize = k; return this; }
        /**
         * The context's per-column scaling: the networks see {@code (c − centre)/scale}, as flow-core's model with the same
         * {@code contextCentre}/{@code contextScale} (a model trained by {@code eqflow train --context-columns} has them).
         * Default: none.
         */
        public Builder contextScaling(double[] centre, double[] scale) {
            layer.contextCentre = new ArrayList<>();
            layer.contextScale = new ArrayList<>();
            for (double v : centre) {
                layer.contextCentre.add(v);
            }
            for (double v : scale) {
                layer.contextScale.add(v);
            }
            return this;
        }

        /** Validates (names now; sizes through {@link FlowConfig} once the dimension is known) and returns a copy. */
        public EquivariantDensityLayer build() {
            if (layer.outputSamples < 1) {
                throw new IllegalArgumentException("outputSamples must be >= 1, got " + layer.outputSamples);
            }
            Choices.parse("the density layer's kinetic", layer.kinetic, FlowConfig.Kinetic.class);
            Choices.parse("the density layer's penalty sites", layer.penaltySites, FlowConfig.PenaltySites.class);
            if (layer.constraint != null) {
                Choices.parse("the density layer's constraint", layer.constraint, FlowConfig.Constraint.class);
            } else if (softSetting && layer.symmetries.stream().anyMatch(spec -> !"none".equals(spec.trim()))) {
                layer.constraint = Choices.print(FlowConfig.Constraint.SOFT);
            }
            if (layer.dimension >= 1) {
                layer.flowConfig(DataType.FLOAT);
            }
            EquivariantDensityLayer copy = (EquivariantDensityLayer) layer.clone();
            copy.symmetries = new ArrayList<>(layer.symmetries);
            copy.centre = new ArrayList<>(layer.centre);
            copy.contextCentre = new ArrayList<>(layer.contextCentre);
            copy.contextScale = new ArrayList<>(layer.contextScale);
            return copy;
        }
    }
}
