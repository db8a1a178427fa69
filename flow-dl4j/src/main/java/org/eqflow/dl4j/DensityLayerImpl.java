package org.eqflow.dl4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.model.Objective;
import org.eqflow.core.objective.Iwae;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link EquivariantDensityLayer}.
 *
 * <ul>
 *   <li><b>Training on flow-core's engine.</b> The score and its gradients come from a flow-core twin of the
 *       layer whose variables <em>are</em> the layer's parameter arrays (no copies), on the engine flow-core would
 *       use: the hand-derived fused engine where the configuration allows it (it equals the graph to round-off),
 *       otherwise DL4J's own run of the layer's SameDiff graph. The score of a training iteration is the one
 *       computed with its gradients, not a second forward pass.</li>
 *   <li><b>No gradient into the input.</b> The gradient returned to the layers before this one is zero: a
 *       density of features has no Jacobian term for the layers that make them, so following its gradient
 *       would shrink the features and inflate {@code log p} without bound. Upstream layers are trained only by
 *       other heads (or frozen); {@link MultiplierListener} names trainable ones once.</li>
 *   <li><b>Seeded output.</b> {@code output()} gives IWAE estimates of {@code log p(x)} drawn from the layer's
 *       seed (flow-core's seeded estimator, with its far-point fallback): a function of model, input and seed,
 *       the same in every JVM. {@code scoreExamples} gives {@code −log p(x)} per example.</li>
 *   <li><b>The batch's constraints.</b> Each training iteration records the {@code C_k} of its own score;
 *       {@link MultiplierListener} updates the multipliers from them. A soft layer trained without the listener
 *       warns once: its multipliers then stay where they are.</li>
 *   <li><b>Checked input.</b> Wrong shapes are named in a message that says what to do instead of a native
 *       op's failure.</li>
 * </ul>
 */
public final class DensityLayerImpl extends SameDiffOutputLayer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DensityLayerImpl.class);

    /** flow-core's model over this layer's own parameter arrays; built at first use. */
    private transient EquivariantHamiltonianFlow twin;
    /** The batch-sum score computed with the last gradients, for the score call that follows them. */
    private double pendingScore = Double.NaN;
    private transient INDArray pendingInput;
    private transient INDArray pendingLabels;
    /** {@code C_k} of the last training batch, until {@link MultiplierListener} takes them. */
    private double[] batchConstraints;
    private boolean warnedNoRule;
    /** The seed of {@code output()}'s estimates while {@link #withSeed} runs, else the layer's. */
    private Long seedOverride;

    /** Called by DL4J ({@link EquivariantDensityLayer#instantiate}). */
    public DensityLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected void doInit() {
        super.doInit();
        sameDiff.setLossVariables(outputVar);
        Quiet.createGradFunction(sameDiff, INPUT_KEY);
    }

    // ------------------------------------------------------------------ inference

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return perExample(workspaceMgr, 0.0, 1.0);
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        return perExample(workspaceMgr, fullNetRegTerm, -1.0);
    }

    /** {@code offset + sign · log p(x)} per example, {@code [n, 1]}, in the activations' workspace. */
    private INDArray perExample(LayerWorkspaceMgr workspaceMgr, double offset, double sign) {
        assertInputSet(false);
        checkInput();
        double[] v = scopedOut(() -> logDensities(input));
        for (int i = 0; i < v.length; i++) {
            v[i] = offset + sign * v[i];
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[] {v.length, 1}, 'c');
        return out.assign(Nd4j.create(v, new long[] {v.length, 1}, DataType.DOUBLE).castTo(input.dataType()));
    }

    private double[] logDensities(INDArray x) {
        EquivariantDensityLayer conf = (EquivariantDensityLayer) layerConf();
        long seed = seedOverride != null ? seedOverride : conf.getSeed();
        Iwae.Estimate[] e = twin().logDensity(x, conf.getOutputSamples(), seed);
        double[] out = new double[e.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = e[i].logDensity();
        }
        return out;
    }

    /** Runs {@code action} (a forward pass of the network) with this layer's output estimates drawn from {@code seed}. */
    <T> T withSeed(long seed, Supplier<T> action) {
        Long before = seedOverride;
        seedOverride = seed;
        try {
            return action.get();
        } finally {
            seedOverride = before;
        }
    }

    // ------------------------------------------------------------------ training

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        checkLabels();
        double raw;
        if (!Double.isNaN(pendingScore) && input == pendingInput && labels == pendingLabels) {
            raw = pendingScore;
        } else if (twin().usesFusedPath()) {
            raw = scopedOut(() -> objective().loss() * input.rows());
        } else {
            return super.computeScore(fullNetRegTerm, training, workspaceMgr);
        }
        clearPending();
        return (raw + fullNetRegTerm) / input.rows();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        checkInput();
        checkLabels();
        clearPending();
        int contextColumns = contextSize();
        if (!twin().usesFusedPath()) {
            Pair<Gradient, INDArray> graph = super.backpropGradient(epsilon, workspaceMgr);
            INDArray back = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
            if (contextColumns > 0) {  // the score's gradient reaches the context columns only
                int d = flowDimension();
                back.get(all(), interval(d, d + contextColumns)).assign(graph.getSecond().get(all(), interval(d, d + contextColumns)));
            }
            return new Pair<>(graph.getFirst(), back);
        }
        long rows = input.rows();
        INDArray[] contextGradient = new INDArray[1];
        Objective o = scopedOut(() -> objective(contextGradient));
        // The gradient of the batch-sum score, written in one pass into DL4J's flattened gradient array.
        double[] flat = new double[(int) gradients.length()];
        Gradient g = new DefaultGradient();
        double kappa = twin.config().kappa();
        for (String name : paramTable.keySet()) {
            INDArray view = gradTable.get(name);
            long offset = elementOffset(view, gradients);
            if (view.ordering() != 'c' || offset < 0 || offset + view.length() > flat.length) {
                throw new IllegalStateException("the layer's gradient view '" + name + "' is not a 'c'-ordered slice of DL4J's gradient array");
            }
            if (EquivariantDensityLayer.LAMBDA.equals(name)) {
                // d score / d λ_k = B (C_k − κ), as the graph gives it (DL4J's zero-rate updater ignores it).
                for (int k = 0; k < o.constraints().length; k++) {
                    flat[(int) offset + k] = rows * (o.constraints()[k] - kappa);
                }
            } else if (!EquivariantDensityLayer.LAMBDA_EMA.equals(name)) {
                double[] value = o.gradients().get(name);
                for (int i = 0; i < value.length; i++) {
                    flat[(int) offset + i] = rows * value[i];   // the score is the batch sum, the objective the batch mean
                }
            }
            g.gradientForVariable().put(name, view);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            gradients.assign(gradients.dataType() == DataType.FLOAT ? Nd4j.createFromArray(toFloats(flat)).reshape(gradients.shape())
                    : Nd4j.create(flat, gradients.shape(), DataType.DOUBLE).castTo(gradients.dataType()));
        }
        pendingScore = o.loss() * rows;
        pendingInput = input;
        pendingLabels = labels;
        recordConstraints(o.constraints());
        INDArray back = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        if (contextColumns > 0) {
            int d = flowDimension();
            back.get(all(), interval(d, d + contextColumns)).assign(contextGradient[0].mul(rows).castTo(input.dataType()));
        }
        return new Pair<>(g, back);
    }

    /** Where {@code view}'s first element lies in {@code whole}'s memory, in elements. */
    private static long elementOffset(INDArray view, INDArray whole) {
        long size = whole.data().getElementSize();
        long at = view.data().address() + view.offset() * size;
        long base = whole.data().address() + whole.offset() * size;
        return (at - base) % size == 0 ? (at - base) / size : -1;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** The twin's objective at the current batch, with the noise of its labels and the layer's multipliers. */
    private Objective objective() {
        return objective(null);
    }

    /**
     * {@link #objective()}; for a conditional layer with {@code contextGradient} not null, {@code contextGradient[0]} gets
     * {@code ∂L/∂c} of each row ({@code [B, k]}, the batch mean's): the data term's and the penalty's, whose base sample of a
     * row is taken at the row's context.
     */
    private Objective objective(INDArray[] contextGradient) {
        int d = flowDimension();
        double[] lambda = paramTable.containsKey(EquivariantDensityLayer.LAMBDA)
                ? getParam(EquivariantDensityLayer.LAMBDA).toDoubleVector() : null;
        EquivariantHamiltonianFlow t = twin();
        INDArray q = t.toModelSpace(input);
        INDArray penaltyQ = labels.get(all(), interval(d, 2 * d));
        if (contextSize() > 0) {
            penaltyQ = Nd4j.hstack(penaltyQ.castTo(q.dataType()), q.get(all(), interval(d, d + contextSize())));
        }
        INDArray eps = labels.get(all(), interval(0, d));
        INDArray penaltyP = labels.get(all(), interval(2 * d, 3 * d));
        if (contextGradient == null || contextSize() == 0) {
            return t.objective(q, eps, penaltyQ, penaltyP, lambda);
        }
        EquivariantHamiltonianFlow.ContextObjective o = t.objectiveWithContextGradient(q, eps, penaltyQ, penaltyP, lambda);
        INDArray g = o.penaltyContextGradient() == null ? o.contextGradient() : o.contextGradient().add(o.penaltyContextGradient());
        // the model sees (c − centre)/scale: the input's gradient is the model space's divided by the scale
        double[] scale = t.config().contextScale().stream().mapToDouble(Double::doubleValue).toArray();
        contextGradient[0] = g.divRowVector(Nd4j.create(scale, new long[] {1, scale.length}, DataType.DOUBLE));
        return o.objective();
    }

    private void clearPending() {
        pendingScore = Double.NaN;
        pendingInput = null;
        pendingLabels = null;
    }

    private void recordConstraints(double[] c) {
        if (!paramTable.containsKey(EquivariantDensityLayer.LAMBDA)) {
            return;
        }
        if (batchConstraints != null && !warnedNoRule) {
            warnedNoRule = true;
            LOG.warn("the soft density layer (layer {}) trains without its multiplier rule: λ stays at {}; add "
                    + "new MultiplierListener() to the network's listeners (net.addListeners(...))", getIndex(),
                    Arrays.toString(getParam(EquivariantDensityLayer.LAMBDA).toDoubleVector()));
        }
        batchConstraints = c.clone();
    }

    /**
     * The {@code C_k} of the last training batch's score, or null if none was recorded since the last call
     * (the graph path records none). The multiplier rule takes them once.
     */
    double[] takeBatchConstraints() {
        double[] c = batchConstraints;
        batchConstraints = null;
        return c;
    }

    /** Whether this (soft) layer has noticed training without its multiplier rule. */
    boolean warnedAboutMissingRule() {
        return warnedNoRule;
    }

    /** flow-core's model of this layer, its variables linked to the layer's current parameter arrays. */
    EquivariantHamiltonianFlow twin() {
        if (twin == null) {
            twin = scopedOut(() -> DensityLayers.toFlow(this));
        }
        DensityLayers.link(twin, this);
        return twin;
    }

    private static <T> T scopedOut(Supplier<T> action) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return action.get();
        }
    }

    // ------------------------------------------------------------------ input checks

    private int dimension() {
        return ((EquivariantDensityLayer) layerConf()).getDimension();
    }

    private int flowDimension() {
        return ((EquivariantDensityLayer) layerConf()).flowDimension();
    }

    private int contextSize() {
        return ((EquivariantDensityLayer) layerConf()).getContextSize();
    }

    private void checkInput() {
        int d = dimension();
        if (input == null) {
            return;  // DL4J's own check names a missing input
        }
        if (input.rank() != 2 || input.columns() != d) {
            throw new IllegalArgumentException("the density layer (layer " + getIndex() + ") takes points of shape [batch, " + d
                    + "], got " + Arrays.toString(input.shape()) + (input.rank() == 2
                    ? ": set nIn(" + input.columns() + ") to the number of features, or build the network with "
                    + "InputType.feedForward(" + input.columns() + ")"
                    : ": flatten the features into rows first (the layer is a density on R^d, not a sequence or image layer)"));
        }
    }

    private void checkLabels() {
        int d = flowDimension();
        if (labels == null || labels.rank() != 2 || labels.columns() != 3L * d) {
            throw new IllegalArgumentException("the density layer's labels must be FlowNoise's 3·d = " + (3 * d)
                    + " columns (encoder noise and the penalty's base samples), got "
                    + (labels == null ? "none" : Arrays.toString(labels.shape()))
                    + ": add new FlowNoise(net, seed) as the data iterator's pre-processor");
        }
        if (input != null && labels.rows() != input.rows()) {
            throw new IllegalArgumentException("the density layer got " + input.rows() + " points but " + labels.rows()
                    + " label rows: FlowNoise must run on the same batch (set it as the iterator's pre-processor)");
        }
    }
}
