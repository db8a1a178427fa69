package org.eqflow.core.finite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.fused.HostArrays;
import org.eqflow.core.fused.ResidualKernel;
import org.eqflow.core.model.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
public final class ResidualFlow extends FiniteFlow {
    /** The family's name in model files and on the command line. */
    public static final String FAMILY = "residual";
    /** Fixed-point iterations allowed per block when inverting (convergence is geometric with ratio {@code Lip(g) < 1}). */
    static final int MAX_INVERSE_ITERATIONS = 2000;

    private final List<ResidualBlock> blocks = new ArrayList<>();
    private final List<String> weightNames = new ArrayList<>();
    private final SpectralNorm spectral;
    private final ResidualKernel kernel;
    private final HostArrays host = new HostArrays();

    ResidualFlow(FiniteFlowConfig config) {
        super(config);
        int d = config.dimension();
        SDVariable x = input;
        SDVariable logDet = null;
        for (int k = 0; k < config.blocks(); k++) {
            ResidualBlock block = new ResidualBlock(params, "b" + k, d, config.hidden(), group.elements());
            blocks.add(block);
            weightNames.addAll(block.weightNames());
            SDVariable[] out = block.apply(sd, x);
            x = out[0];
            logDet = logDet == null ? out[1] : logDet.add(out[1]);
        }
        finish(x, logDet);
        this.spectral = new SpectralNorm(config.lipschitz(), config.seed() ^ 0x5eed);
        this.kernel = new ResidualKernel(d, config.hidden(), config.blocks(), group.elements(), dataType);
    }

    /** A new flow with initial weights from the configuration's seed, projected to the Lipschitz bound. */
    public static ResidualFlow create(FiniteFlowConfig config) {
        if (config.kind() != FiniteFlowConfig.Kind.RESIDUAL) {
            throw new IllegalArgumentException("not a residual configuration: " + config.kind());
        }
        ResidualFlow flow = new ResidualFlow(config);
        flow.projectWeights();
        return flow;
    }

    @Override
    void restoreVectors(Map<String, NamedArray> saved) {
        Map<String, double[]> vectors = new LinkedHashMap<>();
        saved.forEach((name, v) -> {
            long expected = weightNames.contains(name) ? sd.getVariable(name).getArr().columns() : -1;
            if (v.shape().length != 1 || v.shape()[0] != expected) {
                throw new IllegalArgumentException("the saved singular vector '" + name + "' fits no weight matrix of this flow");
            }
            vectors.put(name, v.data());
        });
        spectral.restore(vectors);
    }

    @Override
    Map<String, double[]> vectors() {
        return spectral.vectors();
    }

    /** The shape of every parameter of a residual configuration, in creation order. */
    static Map<String, long[]> shapes(FiniteFlowConfig config) {
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
    static Map<String, long[]> spectralShapes(FiniteFlowConfig config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes(config).forEach((name, shape) -> {
            if (name.matches("b\\d+W\\d")) {
                shapes.put(name, new long[] {shape[1]});
            }
        });
        return shapes;
    }

    // ---------------------------------------------------------------- training

    @Override
    Objective fusedObjective(INDArray q) {
        if (!useFused) {
            return null;
        }
        double[] x = new double[(int) q.length()];
        host.read(q, x);
        ResidualKernel.Result r = kernel.evaluate(parameters(), x, (int) q.rows());
        return new Objective(r.loss(), r.loss(), new double[0], r.gradients());
    }

    @Override
    double[] fusedLogDensity(INDArray part) {
        if (!useFused) {
            return null;
        }
        double[] xs = new double[(int) part.length()];
        host.read(part, xs);
        return kernel.logDensity(parameters(), xs, (int) part.rows());
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

    // ---------------------------------------------------------------- inverse
    /**
     * {@code F⁻¹(z)}: base-space points to model space, each block inverted by {@code x ← y − g(x)} from
     * {@code x = y} until no coordinate moves by more than the precision's tolerance ({@code 1e-12} in float64,
     * {@code 1e-6} in float32, relative to {@code 1 + |y|}).
     *
     * @throws IllegalStateException if a block does not converge (impossible while {@code Lip(g) < 1})
     */
    @Override
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

    @Override
    public String engineDescription() {
        return (useFused ? "fused" : "graph") + " (" + config.blocks() + " G-residual blocks averaged over " + group.order() + " element"
                + (group.order() == 1 ? "" : "s") + " of " + group.spec() + ")";
    }

    @Override
    public String family() {
        return FAMILY;
    }
}
