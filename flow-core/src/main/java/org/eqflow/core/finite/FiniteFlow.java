package org.eqflow.core.finite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.Engine;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.Noise;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.group.Group;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.optim.Optimizer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What the finite flows share: a standard normal base and a stack of invertible layers mapping data to base,
 * {@code z = F(x)}, defined by one SameDiff graph whose output is the exact
 * <pre>
 *   log p(x) = log N(F(x); 0, I) + log |det J_F(x)|          (model units; minus d·log s in data units)
 * </pre>
 * so that maximum-likelihood training is one pass and needs no inverse; the optimiser, the saved state, the
 * data's centre and scale and the chunked evaluation of log-densities. Each family ({@link ResidualFlow},
 * {@link CouplingFlow}) builds its layers, says how it inverts them, and may add a hand-derived engine.
 *
 * <p>Invariance: the base is invariant under orthogonal maps, so when every layer is equivariant under a group
 * of orthogonal matrices ({@code F(R x) = R F(x)}), {@code |det J_F(R x)| = |det J_F(x)|} and {@code p(R x) = p(x)}
 * for every element, to round-off, for any weights.
 */
public abstract sealed class FiniteFlow implements TrainableModel permits ResidualFlow, CouplingFlow {
    /** Rows per evaluation when computing log-densities (bounds the work arrays of large test sets). */
    static final int CHUNK = 512;

    /** The configuration (a resume may change its training settings). */
    protected FiniteFlowConfig config;
    /** The finite group the flow is equivariant under. */
    protected final Group group;
    /** The elements the density is averaged over ({@link FiniteFlowConfig#symmetrize}); the identity alone when none. */
    private final List<double[][]> averaging;
    /** The graph's floating-point type. */
    protected final DataType dataType;
    /** The graph that defines the flow and its exact log-likelihood. */
    protected final SameDiff sd;
    /** Creates the parameters of the graph, in the order the model file stores them. */
    protected final GraphParameters params;
    /** The graph's input: model-space points {@code [B, d]}. */
    protected final SDVariable input;
    private List<String> parameterNames;
    private Optimizer optimizer;
    /** Whether training and log-densities take the family's hand-derived engine ({@link #useEngine}). */
    protected boolean useFused;

    FiniteFlow(FiniteFlowConfig config) {
        this.config = config;
        this.group = config.parsedGroup();
        this.averaging = org.eqflow.core.group.Groups.parse(config.symmetrize(), config.dimension()).elements();
        this.dataType = config.precision() == FlowConfig.Precision.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
        this.sd = SameDiff.create();
        this.params = new GraphParameters(sd, dataType, config.seed());
        this.input = sd.placeHolder("x", dataType, -1, config.dimension());
        useEngine(Engine.AUTO);
    }

    /**
     * Chooses the engine of training and log-densities: {@link Engine#AUTO} (the default) and {@link Engine#FUSED}
     * take the family's hand-derived kernel on the CPU backend unless {@code -Deqflow.fused=false};
     * {@link Engine#GRAPH} the SameDiff graph. Both give the same numbers to round-off (the families' parity tests).
     */
    public void useEngine(Engine engine) {
        String backend = Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT);
        boolean host = !(backend.contains("cublas") || backend.contains("cuda"));
        useFused = switch (engine) {
            case GRAPH -> false;
            case FUSED -> true;
            case AUTO -> host && !"false".equalsIgnoreCase(System.getProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY));
        };
    }

    /** Ends the graph once the layers are built: {@code z}, {@code logp}, {@code loss} and the optimiser. */
    final void finish(SDVariable z, SDVariable logDet) {
        int d = config.dimension();
        z.rename("z");
        SDVariable logBase = z.mul(z).sum(true, 1).mul(-0.5).sub(0.5 * d * Math.log(2 * Math.PI));
        logBase.add(logDet).rename("logp").mean().neg().rename("loss");
        sd.setLossVariables("loss");
        this.parameterNames = List.copyOf(params.names());
        this.optimizer = new Optimizer(parameters(), config.learningRate(), config.clipNorm());
    }

    /**
     * Everything needed to continue a flow exactly.
     *
     * @param parameters weights by name, in creation order
     * @param optimizer  Adam moments by parameter name
     * @param spectral   residual flows: the spectral-norm power iteration's singular vectors by weight name
     *                   (empty for other families)
     */
    public record Saved(FiniteFlowConfig config, Map<String, NamedArray> parameters, Map<String, NamedArray> optimizer,
                        Map<String, NamedArray> spectral, long iteration, double learningRate, int consecutiveSkips) {
        public Saved {
            parameters = new LinkedHashMap<>(parameters);
            optimizer = new LinkedHashMap<>(optimizer);
            spectral = new LinkedHashMap<>(spectral);
        }
    }

    /** A new flow of the configuration's kind with initial weights from its seed. */
    public static FiniteFlow create(FiniteFlowConfig config) {
        return switch (config.kind()) {
            case RESIDUAL -> ResidualFlow.create(config);
            case COUPLING -> CouplingFlow.create(config);
        };
    }

    /** The flow a saved state describes: weights, optimiser and iteration as saved. */
    public static FiniteFlow restore(Saved saved) {
        FiniteFlow flow = switch (saved.config().kind()) {
            case RESIDUAL -> new ResidualFlow(saved.config());
            case COUPLING -> new CouplingFlow(saved.config());
        };
        for (String name : flow.parameterNames) {
            NamedArray p = saved.parameters().get(name);
            NamedArray m = saved.optimizer().get(name);
            if (p == null || m == null) {
                throw new IllegalArgumentException("the saved state has no " + (p == null ? "weights" : "optimizer state")
                        + " for parameter " + name);
            }
            copyInto(flow.sd.getVariable(name).getArr(), p, "parameter " + name);
            copyInto(flow.optimizer.moments().get(name), m, "optimizer state of " + name);
        }
        if (saved.parameters().size() != flow.parameterNames.size()) {
            throw new IllegalArgumentException("the saved state has " + saved.parameters().size() + " parameters but the "
                    + "configuration defines " + flow.parameterNames.size());
        }
        flow.restoreVectors(saved.spectral());
        flow.optimizer.restore(saved.iteration(), saved.learningRate(), saved.consecutiveSkips());
        return flow;
    }

    /** Takes the saved auxiliary vectors (the residual flow's singular vectors); a family without any refuses them. */
    void restoreVectors(Map<String, NamedArray> vectors) {
        if (!vectors.isEmpty()) {
            throw new IllegalArgumentException("a " + family() + " flow keeps no auxiliary vectors, but the saved state has "
                    + vectors.keySet());
        }
    }

    /** The auxiliary vectors to save with the weights (the residual flow's singular vectors). */
    Map<String, double[]> vectors() {
        return Map.of();
    }

    /**
     * The shape of every parameter a configuration defines, in creation order, derived arithmetically (a model
     * file's sizes are checked against these before any array is read).
     */
    public static Map<String, long[]> parameterShapes(FiniteFlowConfig config) {
        return switch (config.kind()) {
            case RESIDUAL -> ResidualFlow.shapes(config);
            case COUPLING -> CouplingFlow.shapes(config);
        };
    }

    /** The shapes of the saved auxiliary vectors: the residual flow's singular vectors, none for other families. */
    public static Map<String, long[]> vectorShapes(FiniteFlowConfig config) {
        return config.kind() == FiniteFlowConfig.Kind.RESIDUAL ? ResidualFlow.spectralShapes(config) : Map.of();
    }

    /** A snapshot of everything needed to continue exactly (see {@link org.eqflow.core.io.ModelFile}). */
    public Saved state() {
        Map<String, NamedArray> p = new LinkedHashMap<>();
        Map<String, NamedArray> o = new LinkedHashMap<>();
        for (String name : parameterNames) {
            p.put(name, named(sd.getVariable(name).getArr()));
            o.put(name, named(optimizer.moments().get(name)));
        }
        Map<String, NamedArray> v = new LinkedHashMap<>();
        vectors().forEach((name, vector) -> v.put(name, new NamedArray(new long[] {vector.length}, vector)));
        return new Saved(config, p, o, v, optimizer.iteration(), optimizer.learningRate(), optimizer.consecutiveSkips());
    }

    /** The configuration. */
    public FiniteFlowConfig config() {
        return config;
    }

    /** The finite group the flow is equivariant under. */
    public Group group() {
        return group;
    }

    // ---------------------------------------------------------------- training

    @Override
    public TrainStep trainStep(INDArray batch) {
        Optimizer.Update u = optimizer.step(this, batch);
        Objective o = u.objective();
        return new TrainStep(u.iteration(), o.loss(), o.dataTerm(), new double[0], new double[0], u.gradientNorm(), u.skipped(),
                u.learningRate());
    }

    /** {@code −mean log p} of the batch (model units) and its gradient; deterministic, so {@code iteration} is unused. */
    @Override
    public Objective objective(INDArray batch, long iteration) {
        INDArray q = toModelSpace(batch);
        Objective fused = fusedObjective(q);
        if (fused != null) {
            return fused;
        }
        Quiet.createGradFunction(sd);
        OutAndGrad og = sd.calculateGradientsAndOutputs(Map.of("x", q), List.of("loss"), parameterNames);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : parameterNames) {
            grads.put(name, og.getGradients().get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }
        double loss = og.getOutputs().get("loss").getDouble(0);
        return new Objective(loss, loss, new double[0], grads);
    }

    /** The objective by a hand-derived engine, or {@code null} to use the graph. */
    Objective fusedObjective(INDArray modelSpaceBatch) {
        return null;
    }

    /** {@code log p} (model units) of model-space points by a hand-derived engine, or {@code null} to use the graph. */
    double[] fusedLogDensity(INDArray modelSpacePoints) {
        return null;
    }

    @Override
    public void accept(Objective objective) {
    }

    @Override
    public Map<String, INDArray> parameters() {
        return GraphParameters.arrays(sd, parameterNames);
    }

    @Override
    public long iteration() {
        return optimizer.iteration();
    }

    @Override
    public void setLearningRateScale(double scale) {
        optimizer.setLearningRateScale(scale);
    }

    /** The optimiser's current learning rate. */
    public double learningRate() {
        return optimizer.learningRate();
    }

    /**
     * Continues with another learning rate and clipping threshold (a resume that asks for them): the
     * configuration records the new values, the optimiser's moments are kept.
     */
    public void overrideTraining(double learningRate, double clipNorm) {
        this.config = config.toBuilder().learningRate(learningRate).clipNorm(clipNorm).build();
        optimizer.override(learningRate, clipNorm);
    }

    // ---------------------------------------------------------------- density and samples

    /** The exact {@code log p(x)} of each row (data units); {@code samples} and {@code seed} are not needed. */
    @Override
    public Iwae.Estimate[] logDensity(INDArray x, int samples, long seed) {
        double[] lp = exactLogDensity(x);
        Iwae.Estimate[] out = new Iwae.Estimate[lp.length];
        for (int i = 0; i < lp.length; i++) {
            out[i] = new Iwae.Estimate(lp[i], 0.0);
        }
        return out;
    }

    /**
     * The exact {@code log p(x)} of each row, in data units: {@code log q(x)} of the flow, or with a symmetrizing
     * group {@code H}, {@code log (|H|⁻¹ Σ_h q(h x))} — a normalised density (each {@code q ∘ h} is one, as
     * {@code |det h| = 1}), exactly invariant under {@code H}, and never further from an {@code H}-invariant target
     * than {@code q} (the Kullback–Leibler divergence is convex).
     */
    public double[] exactLogDensity(INDArray x) {
        INDArray q = toModelSpace(x);
        if (averaging.size() == 1) {
            return flowLogDensity(q);
        }
        double[][] terms = new double[averaging.size()][];
        for (int e = 0; e < terms.length; e++) {
            terms[e] = flowLogDensity(q.mmul(Nd4j.create(averaging.get(e)).castTo(dataType).transpose()).dup('c'));
        }
        double[] out = new double[(int) q.rows()];
        double[] column = new double[terms.length];
        for (int i = 0; i < out.length; i++) {
            for (int e = 0; e < terms.length; e++) {
                column[e] = terms[e][i];
            }
            out[i] = org.eqflow.core.target.Special.logSumExp(column) - Math.log(terms.length);
        }
        return out;
    }

    /** {@code log q} of model-space points, in data units (less {@code d·log s}). */
    private double[] flowLogDensity(INDArray q) {
        long n = q.rows();
        double[] out = new double[(int) n];
        double shift = config.logScaleJacobian();
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            INDArray part = q.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c');
            double[] lp = fusedLogDensity(part);
            if (lp == null) {
                lp = sd.output(Map.of("x", part), "logp").get("logp").castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            }
            for (int i = 0; i < lp.length; i++) {
                out[(int) from + i] = lp[i] - shift;
            }
        }
        return out;
    }

    @Override
    public double[] elbo(INDArray x, long seed) {
        return exactLogDensity(x);
    }

    /**
     * {@code n} samples (data units): base draws pushed through the inverse layers, each then moved by a uniformly
     * drawn element of the symmetrizing group (if any), which samples the averaged density exactly.
     */
    @Override
    public INDArray sample(int n, long seed) {
        INDArray z = Noise.gaussian(Noise.stream(seed, 0, Noise.Purpose.SAMPLING), n, config.dimension(), dataType);
        INDArray q = inverse(z);
        if (averaging.size() > 1) {
            java.util.SplittableRandom rng = Noise.stream(seed, 1, Noise.Purpose.SAMPLING);
            for (int i = 0; i < n; i++) {
                INDArray h = Nd4j.create(averaging.get(rng.nextInt(averaging.size()))).castTo(dataType);
                q.putRow(i, q.getRow(i).reshape(1, config.dimension()).mmul(h.transpose()));
            }
        }
        return toDataSpace(q);
    }

    /** {@code F(x)}: model-space points to base space, {@code [n, d]}. */
    public INDArray forward(INDArray q) {
        return sd.output(Map.of("x", q.castTo(dataType)), "z").get("z");
    }

    /** {@code F⁻¹(z)}: base-space points to model space. */
    public abstract INDArray inverse(INDArray z);

    // ---------------------------------------------------------------- the rest of the contract

    @Override
    public int dimension() {
        return config.dimension();
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    /** The names of the trainable parameters, in the graph's order. */
    public List<String> parameterNames() {
        return parameterNames;
    }

    /** The SameDiff graph that defines the flow. */
    public SameDiff graph() {
        return sd;
    }

    /** Maps data points to the model's space: {@code (x − centre) / scale}. */
    public INDArray toModelSpace(INDArray x) {
        if (x.rank() != 2 || x.columns() != config.dimension()) {
            throw new IllegalArgumentException("expected points of shape [n, " + config.dimension() + "], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x.castTo(dataType).dup('c').subiRowVector(centreRow()).divi(config.scale());
    }

    /** Maps model-space points back to data units. */
    public INDArray toDataSpace(INDArray q) {
        return q.dup('c').muli(config.scale()).addiRowVector(centreRow());
    }

    private INDArray centreRow() {
        double[] c = config.centre().stream().mapToDouble(Double::doubleValue).toArray();
        return Nd4j.create(c, new long[] {1, c.length}, DataType.DOUBLE).castTo(dataType);
    }

    private static void copyInto(INDArray target, NamedArray source, String what) {
        if (!java.util.Arrays.equals(target.shape(), source.shape())) {
            throw new IllegalArgumentException(what + " has shape " + java.util.Arrays.toString(source.shape())
                    + " but the configuration defines " + java.util.Arrays.toString(target.shape()));
        }
        target.assign(Nd4j.create(source.data(), source.shape(), DataType.DOUBLE).castTo(target.dataType()));
    }

    private static NamedArray named(INDArray a) {
        return new NamedArray(a.shape().clone(), a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }
}
