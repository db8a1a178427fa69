package org.eqflow.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
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

    /** For JSON. */
    public EquivariantDensityLayer() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The flow-core configuration this layer implements, for the given precision. */
    public FlowConfig flowConfig(DataType dataType) {
        if (dimension < 1) {
            throw new IllegalArgumentException("the density layer needs its input dimension: set nIn(d) or give the network an InputType");
        }
        FlowConfig.Builder b = FlowConfig.builder(dimension).hidden(hidden).leapfrogSteps(leapfrogSteps).stepSize(stepSize)
                .learnableStepSize(learnableStepSize).separateHamiltonians(separateHamiltonians)
                .kinetic(Choices.parse("the density layer's kinetic", kinetic, FlowConfig.Kinetic.class)).base(base).symmetries(symmetries)
                .penaltySites(Choices.parse("the density layer's penalty sites", penaltySites, FlowConfig.PenaltySites.class))
                .multiplierRate(multiplierRate).multiplierEma(multiplierEma).initialMultiplier(initialMultiplier)
                .maxMultiplier(maxMultiplier).seed(seed)
                .precision(dataType == DataType.DOUBLE ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32);
        if (constraint != null) {
            b.constraint(Choices.parse("the density layer's constraint", constraint, FlowConfig.Constraint.class));
        }
        if (kappa != DEFAULTS.kappa()) {
            b.kappa(kappa);  // the library refuses κ with a constraint other than soft
        }
        return b.build();
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
        int d = dimension;

        // The score: the batch-sum Lagrangian, with the noise from the labels. (The layer's output, seeded IWAE
        // estimates of log p, comes from flow-core's estimator, see DensityLayerImpl, not from this graph.)
        SDVariable rowCount = sd.sizeAt(input, 0).castTo(dt);
        SDVariable eps = sd.slice(labels, new int[] {0, 0}, -1, d);
        if (!paramTable.containsKey(LAMBDA)) {
            return parts.lagrangian(sd, input, eps, null, null).loss().mul(rowCount).rename(SCORE);
        }
        PhaseState baseStates = new PhaseState(sd.slice(labels, new int[] {0, d}, -1, d), sd.slice(labels, new int[] {0, 2 * d}, -1, d));
        FlowParts.Lagrangian lagrangian = parts.lagrangian(sd, input, eps, baseStates, paramTable.get(LAMBDA));
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
            dimension = (int) ((InputType.InputTypeFeedForward) inputType).getSize();
        }
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

    // ------------------------------------------------------------------ bean accessors (JSON needs them all)

    public int getDimension() { return dimension; }
    public void setDimension(int v) { dimension = v; }
    public int getHidden() { return hidden; }
    public void setHidden(int v) { hidden = v; }
    public int getLeapfrogSteps() { return leapfrogSteps; }
    public void setLeapfrogSteps(int v) { leapfrogSteps = v; }
    public double getStepSize() { return stepSize; }
    public void setStepSize(double v) { stepSize = v; }
    public boolean isLearnableStepSize() { return learnableStepSize; }
    public void setLearnableStepSize(boolean v) { learnableStepSize = v; }
    public boolean isSeparateHamiltonians() { return separateHamiltonians; }
    public void setSeparateHamiltonians(boolean v) { separateHamiltonians = v; }
    public String getKinetic() { return kinetic; }
    public void setKinetic(String v) { kinetic = v; }
    public String getBase() { return base; }
    public void setBase(String v) { base = v; }
    public List<String> getSymmetries() { return symmetries; }
    public void setSymmetries(List<String> v) { symmetries = new ArrayList<>(v); }
    public String getConstraint() { return constraint; }
    public void setConstraint(String v) { constraint = v; }
    public double getKappa() { return kappa; }
    public void setKappa(double v) { kappa = v; }
    public String getPenaltySites() { return penaltySites; }
    public void setPenaltySites(String v) { penaltySites = v; }
    public double getMultiplierRate() { return multiplierRate; }
    public void setMultiplierRate(double v) { multiplierRate = v; }
    public double getMultiplierEma() { return multiplierEma; }
    public void setMultiplierEma(double v) { multiplierEma = v; }
    public double getInitialMultiplier() { return initialMultiplier; }
    public void setInitialMultiplier(double v) { initialMultiplier = v; }
    public double getMaxMultiplier() { return maxMultiplier; }
    public void setMaxMultiplier(double v) { maxMultiplier = v; }
    public int getOutputSamples() { return outputSamples; }
    public void setOutputSamples(int v) { outputSamples = v; }
    public long getSeed() { return seed; }
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
                && outputSamples == l.outputSamples && seed == l.seed;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), dimension, hidden, leapfrogSteps, symmetries, constraint, kappa, seed);
    }

    /** Builds a validated layer configuration; defaults are the layer's (flow-core's). */
    public static final class Builder {
        private final EquivariantDensityLayer layer = new EquivariantDensityLayer();

        public Builder nIn(int d) { layer.dimension = d; return this; }
        public Builder hidden(int h) { layer.hidden = h; return this; }
        public Builder leapfrogSteps(int l) { layer.leapfrogSteps = l; return this; }
        public Builder stepSize(double e) { layer.stepSize = e; return this; }
        public Builder learnableStepSize(boolean v) { layer.learnableStepSize = v; return this; }
        public Builder separateHamiltonians(boolean v) { layer.separateHamiltonians = v; return this; }
        /** {@code mlp} or {@code quadratic}. */
        public Builder kinetic(String k) { layer.kinetic = k; return this; }
        /** {@code normal} or {@code soft-uniform:w,beta}. */
        public Builder base(String b) { layer.base = b; return this; }
        /** A symmetry spec (see {@link org.eqflow.core.symmetry.Symmetries}); repeatable. */
        public Builder symmetry(String spec) { layer.symmetries.add(spec); return this; }
        /** {@code soft}, {@code hard} or {@code none}. */
        public Builder constraint(String c) { layer.constraint = c; return this; }
        /**
         * Where the soft constraint evaluates its brackets: {@code data-and-base} (default: the states the
         * batch visits on its inverse flow, and base samples), {@code base} or {@code base-and-flow}.
         */
        public Builder penaltySites(String sites) { layer.penaltySites = sites; return this; }
        public Builder kappa(double k) { layer.kappa = k; return this; }
        /** λ of every generator at the start (default flow-core's, {@code FlowConfig.Builder.DEFAULT_INITIAL_MULTIPLIER}). */
        public Builder initialMultiplier(double l) { layer.initialMultiplier = l; return this; }
        /** Importance samples M of the per-example {@code log p} output. */
        public Builder outputSamples(int m) { layer.outputSamples = m; return this; }
        public Builder seed(long s) { layer.seed = s; return this; }

        /** Validates (through {@link FlowConfig}, once the dimension is known) and returns a copy. */
        public EquivariantDensityLayer build() {
            if (layer.outputSamples < 1) {
                throw new IllegalArgumentException("outputSamples must be >= 1, got " + layer.outputSamples);
            }
            if (layer.dimension >= 1) {
                layer.flowConfig(DataType.FLOAT);
            }
            EquivariantDensityLayer copy = (EquivariantDensityLayer) layer.clone();
            copy.symmetries = new ArrayList<>(layer.symmetries);
            return copy;
        }
    }
}
