package org.eqflow.core.finite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.Engine;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.Noise;
import org.eqflow.core.fused.HostArrays;
import org.eqflow.core.fused.ResidualKernel;
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
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An equivariant residual flow (Bose, Brubaker, Kobyzev, arXiv:2110.08649): a standard normal base pushed
 * through G-residual blocks ({@link ResidualBlock}), giving a density invariant under a finite group with an
 * exact log-likelihood.
 *
 * <p>Direction: the blocks map data to base, {@code z = F(x) = B_L ∘ … ∘ B_1 (x)} with {@code B_k(x) = x + g_k(x)},
 * so that
 * <pre>
 *   log p(x) = log N(F(x); 0, I) + Σ_k log det(I + J_{g_k}(x_{k−1}))        (model units; minus d·log s in data units)
 * </pre>
 * is one pass of the graph, and training by maximum likelihood needs no inverse. Sampling inverts each block
 * by the fixed-point iteration {@code x ← y − g(x)}, a contraction since {@code Lip(g) < 1}.
 *
 * <p>Invariance: the normal base is invariant under orthogonal maps and every block is equivariant, so
 * {@code F(R x) = R F(x)}, {@code det(I + J_g(R x)) = det(I + J_g(x))}, and {@code p(R x) = p(x)} for every element
 * {@code R} of the group, to round-off, for any weights.
 */
public final class ResidualFlow implements TrainableModel {
    /** The family's name in model files and on the command line. */
    public static final String FAMILY = "residual";
    /**
     * Rows per evaluation when computing log-densities: the kernel keeps about 15 arrays of
     * {@code rows · |G| · hidden} doubles per block, so a chunk of 512 stays near 60 MB at 16 blocks, D₈ and width 32.
     */
    static final int CHUNK = 512;
    /** Fixed-point iterations allowed per block when inverting (convergence is geometric with ratio {@code Lip(g) < 1}). */
    static final int MAX_INVERSE_ITERATIONS = 2000;

    private FiniteFlowConfig config;
    private final Group group;
    private final DataType dataType;
    private final SameDiff sd;
    private final List<ResidualBlock> blocks = new ArrayList<>();
    private final List<String> parameterNames;
    private final List<String> weightNames = new ArrayList<>();
    private final Optimizer optimizer;
    private final SpectralNorm spectral;
    private final ResidualKernel kernel;
    private final HostArrays host = new HostArrays();
    private boolean useFused;

    private ResidualFlow(FiniteFlowConfig config) {
        this.config = config;
        this.group = config.parsedGroup();
        this.dataType = config.precision() == FlowConfig.Precision.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
        this.sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, dataType, config.seed());
        int d = config.dimension();
        SDVariable x = sd.placeHolder("x", dataType, -1, d);
        SDVariable logDet = null;
        for (int k = 0; k < config.blocks(); k++) {
            ResidualBlock block = new ResidualBlock(params, "b" + k, d, config.hidden(), group.elements());
            blocks.add(block);
            weightNames.addAll(block.weightNames());
            SDVariable[] out = block.apply(sd, x);
            x = out[0];
            logDet = logDet == null ? out[1] : logDet.add(out[1]);
        }
        x.rename("z");
        SDVariable logBase = x.mul(x).sum(true, 1).mul(-0.5).sub(0.5 * d * Math.log(2 * Math.PI));
        SDVariable logp = logBase.add(logDet).rename("logp");
        logp.mean().neg().rename("loss");
        this.parameterNames = List.copyOf(params.names());
        this.optimizer = new Optimizer(parameters(), config.learningRate(), config.clipNorm());
        this.spectral = new SpectralNorm(config.lipschitz(), config.seed() ^ 0x5eed);
        this.kernel = new ResidualKernel(d, config.hidden(), config.blocks(), group.elements(), dataType);
        useEngine(Engine.AUTO);
    }

    /**
     * Chooses the engine of training and log-densities: {@link Engine#AUTO} (the default) and {@link Engine#FUSED}
     * take the hand-derived {@link ResidualKernel} on the CPU backend unless {@code -Deqflow.fused=false};
     * {@link Engine#GRAPH} the SameDiff graph. Both give the same numbers to round-off (ResidualFlowTest).
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

    /** A new flow with initial weights from the configuration's seed, projected to the Lipschitz bound. */
    public static ResidualFlow create(FiniteFlowConfig config) {
        ResidualFlow flow = new ResidualFlow(config);
        flow.projectWeights();
        return flow;
    }

    /**
     * Everything needed to continue a flow exactly.
     *
     * @param parameters weights by name, in creation order
     * @param optimizer  Adam moments by parameter name
     * @param spectral   the spectral-norm power iteration's singular vectors by weight name
     */
    public record Saved(FiniteFlowConfig config, Map<String, NamedArray> parameters, Map<String, NamedArray> optimizer,
                        Map<String, NamedArray> spectral, long iteration, double learningRate, int consecutiveSkips) {
        public Saved {
            parameters = new LinkedHashMap<>(parameters);
            optimizer = new LinkedHashMap<>(optimizer);
            spectral = new LinkedHashMap<>(spectral);
        }
    }

    /** The flow a saved state describes: weights, optimiser and iteration as saved. */
    public static ResidualFlow restore(Saved saved) {
        ResidualFlow flow = new ResidualFlow(saved.config());
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
        Map<String, double[]> vectors = new LinkedHashMap<>();
        saved.spectral().forEach((name, v) -> {
            long expected = flow.weightNames.contains(name) ? flow.sd.getVariable(name).getArr().columns() : -1;
            if (v.shape().length != 1 || v.shape()[0] != expected) {
                throw new IllegalArgumentException("the saved singular vector '" + name + "' fits no weight matrix of this flow");
            }
            vectors.put(name, v.data());
        });
        flow.spectral.restore(vectors);
        flow.optimizer.restore(saved.iteration(), saved.learningRate(), saved.consecutiveSkips());
        return flow;
    }

    /**
     * The shape of every parameter a configuration defines, in creation order, derived arithmetically (a model
     * file's sizes are checked against these before any array is read).
     */
    public static Map<String, long[]> parameterShapes(FiniteFlowConfig config) {
        int d = config.dimension();
        int h = config.hidden();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int k = 0; k < config.blocks(); k++) {
            long[][] w = {{d, h}, {h, h}, {h, d}};
            for (int l = 0; l < 3; l++) {
                shapes.put("b" + k + "W" + (l + 1), w[l]);
                shapes.put("b" + k + "b" + (l + 1), new long[] {1, w[l][1]});
                if (l < 2) {
                    shapes.put("b" + k + "beta" + (l + 1), new long[] {1, w[l][1]});
                }
            }
        }
        return shapes;
    }

    /** The shapes of the spectral-norm singular vectors: one per weight matrix, as long as its number of columns. */
    public static Map<String, long[]> spectralShapes(FiniteFlowConfig config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        parameterShapes(config).forEach((name, shape) -> {
            if (name.matches("b\\d+W\\d")) {
                shapes.put(name, new long[] {shape[1]});
            }
        });
        return shapes;
    }

    public Saved state() {
        Map<String, NamedArray> p = new LinkedHashMap<>();
        Map<String, NamedArray> o = new LinkedHashMap<>();
        for (String name : parameterNames) {
            p.put(name, named(sd.getVariable(name).getArr()));
            o.put(name, named(optimizer.moments().get(name)));
        }
        Map<String, NamedArray> v = new LinkedHashMap<>();
        spectral.vectors().forEach((name, vector) -> v.put(name, new NamedArray(new long[] {vector.length}, vector)));
        return new Saved(config, p, o, v, optimizer.iteration(), optimizer.learningRate(), optimizer.consecutiveSkips());
    }

    public FiniteFlowConfig config() {
        return config;
    }

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
        if (useFused) {
            INDArray q = toModelSpace(batch);
            double[] x = new double[(int) q.length()];
            host.read(q, x);
            ResidualKernel.Result r = kernel.evaluate(parameters(), x, (int) q.rows());
            return new Objective(r.loss(), r.loss(), new double[0], r.gradients());
        }
        Quiet.createGradFunction(sd);
        OutAndGrad og = sd.calculateGradientsAndOutputs(Map.of("x", toModelSpace(batch)), List.of("loss"), parameterNames);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : parameterNames) {
            grads.put(name, og.getGradients().get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }
        double loss = og.getOutputs().get("loss").getDouble(0);
        return new Objective(loss, loss, new double[0], grads);
    }

    /** Holds every weight matrix to the spectral-norm bound after the update. */
    @Override
    public void accept(Objective objective) {
        projectWeights();
    }

    private void projectWeights() {
        for (String name : weightNames) {
            spectral.project(name, sd.getVariable(name).getArr());
        }
    }

    /** The largest spectral norm among the weight matrices (at most the configured coefficient after every update). */
    public double largestSpectralNorm() {
        double m = 0;
        for (String name : weightNames) {
            m = Math.max(m, spectral.largestSingularValue(name, sd.getVariable(name).getArr()));
        }
        return m;
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String name : parameterNames) {
            values.put(name, sd.getVariable(name).getArr());
        }
        return values;
    }

    @Override
    public long iteration() {
        return optimizer.iteration();
    }

    @Override
    public void setLearningRateScale(double scale) {
        optimizer.setLearningRateScale(scale);
    }

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

    /** The exact {@code log p(x)} of each row, in data units. */
    public double[] exactLogDensity(INDArray x) {
        INDArray q = toModelSpace(x);
        long n = q.rows();
        double[] out = new double[(int) n];
        double shift = config.logScaleJacobian();
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            INDArray part = q.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
            double[] lp;
            if (useFused) {
                double[] xs = new double[(int) part.length()];
                host.read(part, xs);
                lp = kernel.logDensity(parameters(), xs, (int) part.rows());
            } else {
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

    /** {@code n} samples (data units): base draws pushed through the inverse blocks. */
    @Override
    public INDArray sample(int n, long seed) {
        INDArray z = Noise.gaussian(Noise.stream(seed, 0, Noise.Purpose.SAMPLING), n, config.dimension(), dataType);
        return toDataSpace(inverse(z));
    }

    /** {@code F(x)}: model-space points to base space, {@code [n, d]}. */
    public INDArray forward(INDArray q) {
        return sd.output(Map.of("x", q.castTo(dataType)), "z").get("z");
    }

    /**
     * {@code F⁻¹(z)}: base-space points to model space, each block inverted by {@code x ← y − g(x)} from
     * {@code x = y} until no coordinate moves by more than the precision's tolerance ({@code 1e-12} in float64,
     * {@code 1e-6} in float32, relative to {@code 1 + |y|}).
     *
     * @throws IllegalStateException if a block does not converge (impossible while {@code Lip(g) < 1})
     */
    public INDArray inverse(INDArray z) {
        double tol = dataType == DataType.DOUBLE ? 1e-12 : 1e-6;
        int n = (int) z.rows();
        int d = config.dimension();
        double[] y = new double[n * d];
        host.read(z.castTo(dataType).dup('c'), y);
        Map<String, INDArray> params = parameters();
        for (int k = blocks.size() - 1; k >= 0; k--) {
            double[] x = y.clone();
            boolean converged = false;
            for (int it = 0; it < MAX_INVERSE_ITERATIONS && !converged; it++) {
                double[] g = useFused ? kernel.residual(params, k, x, n) : graphResidual(k, x, n);
                double change = 0;
                for (int e = 0; e < x.length; e++) {
                    double next = y[e] - g[e];
                    change = Math.max(change, Math.abs(next - x[e]) / (1 + Math.abs(y[e])));
                    x[e] = next;
                }
                converged = change <= tol;
            }
            if (!converged) {
                throw new IllegalStateException("block " + k + " did not invert in " + MAX_INVERSE_ITERATIONS
                        + " fixed-point iterations: its residual is not a contraction");
            }
            y = x;
        }
        return Nd4j.create(y, new long[] {n, d}, DataType.DOUBLE).castTo(dataType);
    }

    private double[] graphResidual(int k, double[] x, int n) {
        INDArray in = Nd4j.create(x, new long[] {n, config.dimension()}, DataType.DOUBLE).castTo(dataType);
        return blocks.get(k).residual(in).castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    // ---------------------------------------------------------------- the rest of the contract

    @Override
    public int dimension() {
        return config.dimension();
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    @Override
    public String engineDescription() {
        return (useFused ? "fused" : "graph") + " (" + config.blocks() + " G-residual blocks averaged over " + group.order() + " element"
                + (group.order() == 1 ? "" : "s") + " of " + group.spec() + ")";
    }

    @Override
    public String family() {
        return FAMILY;
    }

    public List<String> parameterNames() {
        return parameterNames;
    }

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
