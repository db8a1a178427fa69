package org.eqflow.core.manifold;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.Importance;
import org.eqflow.core.model.Objective;
import org.eqflow.core.objective.Iwae;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A conjugation-equivariant flow on SU(n) (seed 003's equivariant manifold flow for class functions): Haar
 * measure pushed forward by the gradient flow of a class-function potential ({@link SpectralPotential}) from
 * t = 0 to 1, integrated by the classical Runge–Kutta method in fixed steps on the eigen-angles, with the
 * log-density {@code d log q/dt = −div} integrated alongside. The density is a class function, so it is
 * invariant under every conjugation {@code U ↦ V U V†}; log-densities are with respect to the normalised Haar
 * measure. Samples are {@code V diag(e^{iθ_1}) V†} with V Haar-distributed (the eigenvectors of a Haar draw).
 *
 * <p>Trained by the reverse KL divergence to an unnormalised target {@code exp(S)} ({@link SuTarget}):
 * {@code E_q[log q − S]}, whose minimum {@code −log Z} is reached when {@code q = p}. The SameDiff graph defines
 * the model; the weight gradients are SameDiff's, through the integrator (discretise, then differentiate).
 * The fused engine ({@link SpectralKernel}, the default) computes the same passes and gradients by hand-derived
 * kernels in plain Java, equal to the graph to round-off and some hundred times faster. Float64.
 */
public final class SpectralFlow extends ManifoldFlow {
    /** The family's name in model files and logs. */
    public static final String FAMILY = "spectral";
    /** Default width of the potential's hidden layers. */
    public static final int DEFAULT_HIDDEN = 32;
    /** Default Runge–Kutta steps. */
    public static final int DEFAULT_STEPS = 8;
    /** Default Adam learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 3e-3;
    /** Default batch: Haar draws (reverse KL) or data points per update. */
    public static final int DEFAULT_BATCH = 256;
    /** Reverse KL's default length: enough for an ESS above 0.98 on the SU(3) targets (docs/results.md). */
    public static final long DEFAULT_REVERSE_KL_ITERATIONS = 1500;
    /**
     * Reverse KL's default time budget: the learning rate anneals over it (the {@code budget} schedule) and a run ends
     * within 10 minutes of one core even when the integrator check doubles the steps.
     */
    public static final java.time.Duration DEFAULT_REVERSE_KL_BUDGET = java.time.Duration.ofMinutes(9);
    /** Training updates between checks of the integrator's accuracy ({@link #integrationError}). */
    public static final int CHECK_EVERY = StepRefinement.CHECK_EVERY;
    /** The largest step-doubling estimate of the error in {@code log q} that training accepts, nats per point. */
    public static final double STEP_TOLERANCE = StepRefinement.TOLERANCE;
    /** The most Runge–Kutta steps the accuracy check raises a flow to. */
    public static final int MAX_STEPS = StepRefinement.MAX_STEPS;

    private Config config;
    private final SuTarget target;
    private SameDiff forward;
    private SameDiff inverse;
    /** The step count the graphs were built with. */
    private int graphSteps;
    private final SpectralKernel kernel;

    /**
     * The flow's configuration (what a model file's {@code config.json} holds).
     *
     * @param n            the group SU(n), 2 to {@value WeylIntegral#MAX_N}
     * @param hidden       width of the potential's two hidden layers
     * @param steps        Runge–Kutta steps from t = 0 to 1
     * @param seed         seed of the initial weights and of the training draws
     * @param learningRate Adam's learning rate
     * @param target       the {@link SuTarget} spec of reverse-KL training (its batches are Haar draws), or null
     *                     for maximum likelihood on data
     */
    public record Config(int n, int hidden, int steps, long seed, double learningRate, String target) {
        /** Checks the values. */
        public Config {
            if (n < 2 || n > WeylIntegral.MAX_N || hidden < 1 || hidden > 4096 || steps < 1 || steps > 1024) {
                throw new IllegalArgumentException("a spectral flow needs 2 <= n <= " + WeylIntegral.MAX_N
                        + ", 1 <= hidden <= 4096 and 1 <= steps <= 1024, got n " + n + ", hidden " + hidden + ", steps " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("the learning rate must be finite and > 0, got " + learningRate);
            }
            if (target != null && SuTarget.parse(target).n() != n) {
                throw new IllegalArgumentException("the flow is on SU(" + n + ") but the target " + target + " on SU("
                        + SuTarget.parse(target).n() + ")");
            }
        }

        /**
         * A flow of the given sizes with the default learning rate, trained by maximum likelihood.
         *
         * @param n      the group SU(n)
         * @param hidden width of the hidden layers
         * @param steps  Runge–Kutta steps
         * @param seed   the seed
         */
        public Config(int n, int hidden, int steps, long seed) {
            this(n, hidden, steps, seed, DEFAULT_LEARNING_RATE, null);
        }

        /**
         * The defaults on SU(n): hidden {@value #DEFAULT_HIDDEN}, {@value #DEFAULT_STEPS} steps, learning rate 3e-3.
         *
         * @param n      the group SU(n)
         * @param seed   the seed
         * @param target the reverse-KL target spec, or null for maximum likelihood
         * @return the configuration
         */
        public static Config defaults(int n, long seed, String target) {
            return new Config(n, DEFAULT_HIDDEN, DEFAULT_STEPS, seed, DEFAULT_LEARNING_RATE, target);
        }

        /**
         * @param newTarget the reverse-KL target spec, or null
         * @return this configuration with another target
         */
        public Config withTarget(String newTarget) {
            return new Config(n, hidden, steps, seed, learningRate, newTarget);
        }
    }

    /** The end of a forward pass: angles {@code [B, n]} and {@code log q} of each, {@code [B]}. */
    public record Pass(double[][] angles, double[] logDensity) {
    }

    private SpectralFlow(Config config) {
        super(params -> new SpectralPotential(params, config.n(), config.hidden()), config.seed(), config.learningRate());
        this.config = config;
        this.target = config.target() == null ? null : SuTarget.parse(config.target());
        buildGraphs();
        this.kernel = new SpectralKernel(config.n(), config.hidden());
    }

    /** Builds the forward and the inverse graph for the current step count, their variables the flow's weights. */
    private void buildGraphs() {
        forward = SameDiff.create();
        SDVariable theta0 = forward.placeHolder("theta0", TYPE, -1, config.n());
        SDVariable[] end = integrate(forward, sharedPotential(forward), theta0, true);
        end[0].rename("thetaT");
        end[1].rename("logq");
        if (target != null) {
            SDVariable action = action(forward, end[0], target);
            action.rename("action");
            end[1].sub(action).mean().rename("loss");
            forward.setLossVariables("loss");
        }
        shareWeights(forward);
        inverse = SameDiff.create();
        SDVariable thetaT = inverse.placeHolder("theta", TYPE, -1, config.n());
        SDVariable[] start = integrate(inverse, sharedPotential(inverse), thetaT, false);
        start[0].rename("theta0");
        start[1].rename("logq");
        start[1].mean().neg().rename("nll");
        inverse.setLossVariables("nll");
        shareWeights(inverse);
        graphSteps = config.steps();
    }

    /** The graphs, rebuilt first if the step count changed since they were built. */
    private void ensureGraphs() {
        if (graphSteps != config.steps()) {
            buildGraphs();
        }
    }

    /** The kernel with the current weights. */
    private SpectralKernel loadedKernel() {
        load(kernel.mlp);
        return kernel;
    }

    private static double[] flat(double[][] rows, int n) {
        double[] out = new double[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != n) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " angles, SU(" + n + ") has " + n);
            }
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return out;
    }

    private static double[][] rows(double[] flat, int count, int n) {
        double[][] out = new double[count][];
        for (int i = 0; i < count; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * n, i * n + n);
        }
        return out;
    }

    private Pass fusedPass(double[][] theta, boolean forwardInTime) {
        int n = config.n();
        double[] x = flat(theta, n);
        double[] logq = new double[theta.length];
        loadedKernel().integrate(x, theta.length, config.steps(), forwardInTime, logq, null);
        return new Pass(rows(x, theta.length, n), logq);
    }

    /** The potential in a graph {@code sd}, its variables named as the flow's weights (call {@link #shareWeights} after building). */
    private SpectralPotential sharedPotential(SameDiff sd) {
        return new SpectralPotential(sharedParameters(sd), config.n(), config.hidden());
    }

    /**
     * @param config the configuration
     * @return an untrained flow (close to Haar measure)
     */
    public static SpectralFlow create(Config config) {
        return new SpectralFlow(config);
    }

    /**
     * Everything needed to continue a flow exactly (a model file's content).
     *
     * @param config           the configuration
     * @param parameters       weights by name
     * @param optimizer        Adam moments by parameter name
     * @param iteration        updates made
     * @param learningRate     the base learning rate
     * @param consecutiveSkips non-finite updates in a row
     */
    public record Saved(Config config, Map<String, NamedArray> parameters, Map<String, NamedArray> optimizer, long iteration,
                        double learningRate, int consecutiveSkips) implements ManifoldFlow.SavedState {
    }

    /** @return a snapshot of the weights, the optimiser and the counters */
    @Override
    public Saved state() {
        List<Map<String, NamedArray>> po = snapshot();
        return new Saved(config, po.get(0), po.get(1), iteration(), learningRate(), consecutiveSkips());
    }

    /**
     * The flow a saved state describes.
     *
     * @param saved the state
     * @return the flow, continuing exactly
     */
    public static SpectralFlow restore(Saved saved) {
        SpectralFlow flow = new SpectralFlow(saved.config());
        flow.restoreState(saved.parameters(), saved.optimizer(), saved.iteration(), saved.learningRate(), saved.consecutiveSkips());
        return flow;
    }

    /**
     * The shape of every parameter a configuration defines, in creation order (a model file's sizes are checked
     * against these before any array is read).
     *
     * @param config the configuration
     * @return shapes by name
     */
    public static Map<String, long[]> parameterShapes(Config config) {
        return FlowWeights.shapes(2 * config.n() + 1, config.hidden());
    }

    /**
     * Runge–Kutta from t = 0 to 1 (forward) or 1 to 0 (backward), angles and {@code ℓ = −∫ div dt}. Returns the end
     * angles and {@code log q} at the far end of the forward flow: forward, {@code log q(θ_1) = log q_0 + ℓ(1)}
     * with {@code log q_0 = 0} (Haar); backward from θ_1, the same {@code −∫_0^1 div dt} along the trajectory.
     */
    private SDVariable[] integrate(SameDiff sd, SpectralPotential potential, SDVariable theta, boolean forwardInTime) {
        return rungeKutta(sd, (x, t) -> {
            SpectralPotential.Field f = potential.field(sd, x, t);
            return new SDVariable[] {f.velocity(), f.divergence()};
        }, theta, config.steps(), forwardInTime, x -> x);
    }

    /** {@code S(θ) = (β/n) Σ_k c_k Σ_j cos(k θ_j)} as graph ops, {@code [B]}. */
    private static SDVariable action(SameDiff sd, SDVariable theta, SuTarget target) {
        int n = target.n();
        SDVariable ones = sd.constant(Nd4j.ones(TYPE, n, 1));
        SDVariable s = null;
        double[] c = target.coefficients();
        for (int k = 1; k <= c.length; k++) {
            SDVariable term = sd.math.cos(theta.mul((double) k)).mmul(ones).mul(c[k - 1] * target.beta() / n);
            s = s == null ? term : s.add(term);
        }
        return sd.reshape(s, -1);
    }

    /**
     * The forward flow of given base angles (Haar eigen-angles for samples).
     *
     * @param theta0 {@code [B][n]} angles
     * @return the angles at t = 1 and their {@code log q}
     */
    public Pass forward(double[][] theta0) {
        if (fused()) {
            return fusedPass(theta0, true);
        }
        ensureGraphs();
        Map<String, INDArray> out = forward.output(Map.of("theta0", Nd4j.create(theta0).castTo(TYPE)), "thetaT", "logq");
        return new Pass(out.get("thetaT").toDoubleMatrix(), out.get("logq").toDoubleVector());
    }

    /**
     * {@code log q} at given eigen-angles (the backward flow to t = 0).
     *
     * @param theta {@code [B][n]} eigen-angles
     * @return {@code log q}, with respect to the normalised Haar measure
     */
    public Pass inverse(double[][] theta) {
        if (fused()) {
            return fusedPass(theta, false);
        }
        ensureGraphs();
        Map<String, INDArray> out = inverse.output(Map.of("theta", Nd4j.create(theta).castTo(TYPE)), "theta0", "logq");
        return new Pass(out.get("theta0").toDoubleMatrix(), out.get("logq").toDoubleVector());
    }

    /**
     * {@code log q(U)} of matrices of SU(n).
     *
     * @param u the matrices
     * @return their log-densities with respect to the normalised Haar measure
     */
    public double[] logDensity(List<ComplexMatrix> u) {
        double[][] theta = new double[u.size()][];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = SpecialUnitary.eigenAngles(u.get(i));
        }
        return inverse(theta).logDensity();
    }

    /**
     * Eigen-angles of {@code count} Haar draws: the base of the flow.
     *
     * @param count the number of draws
     * @param rng   the random source
     * @return {@code [count][n]} angles
     */
    public double[][] baseAngles(int count, SplittableRandom rng) {
        double[][] theta = new double[count][];
        for (int i = 0; i < count; i++) {
            theta[i] = SpecialUnitary.eigenAngles(SpecialUnitary.haar(config.n(), rng));
        }
        return theta;
    }

    /**
     * Samples of the flow as matrices: {@code V diag(e^{iθ}) V†}, θ the flowed angles, V Haar.
     *
     * @param count the number of samples
     * @param rng   the random source
     * @return the samples
     */
    public List<ComplexMatrix> sample(int count, SplittableRandom rng) {
        Pass p = forward(baseAngles(count, rng));
        List<ComplexMatrix> out = new ArrayList<>(count);
        for (double[] theta : p.angles()) {
            out.add(SpecialUnitary.fromEigen(SpecialUnitary.haar(config.n(), rng), theta));
        }
        return out;
    }

    /**
     * The reverse-KL loss and its weight gradients.
     *
     * @param loss   {@code mean(log q − S)} over the batch
     * @param byName the gradient of each parameter, c-order
     */
    record Gradients(double loss, Map<String, double[]> byName) {
    }

    /**
     * The training loss and its gradients, on the engine in use: with a target, {@code mean(log q − S)} with
     * {@code theta} the base angles; without, {@code −mean log q(theta)} of data angles.
     */
    Gradients gradients(double[][] theta) {
        if (fused()) {
            SpectralKernel k = loadedKernel();
            double loss = k.lossAndGradients(flat(theta, config.n()), theta.length, config.steps(), target);
            return new Gradients(loss, FlowWeights.gradients(k.mlp));
        }
        ensureGraphs();
        Map<String, INDArray> feeds = Map.of(target != null ? "theta0" : "theta", Nd4j.create(theta).castTo(TYPE));
        Objective o = graphObjective(target != null ? forward : inverse, feeds, target != null ? "loss" : "nll");
        return new Gradients(o.loss(), o.gradients());
    }

    // ---------------------------------------------------------------- the density-model contract

    /** Eigen-angles of rows of matrices ({@link SpecialUnitary#toRow} format). */
    private double[][] anglesOf(INDArray rows) {
        int n = config.n();
        if (rows.rank() != 2 || rows.columns() != SpecialUnitary.rowLength(n)) {
            throw new IllegalArgumentException("points of SU(" + n + ") are rows of " + SpecialUnitary.rowLength(n) + " numbers ("
                    + SpecialUnitary.rowHeader(n) + "), got shape " + java.util.Arrays.toString(rows.shape()));
        }
        double[][] x = rows.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] theta = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            theta[i] = SpecialUnitary.eigenAngles(SpecialUnitary.fromRow(n, x[i]));
        }
        return theta;
    }

    @Override
    public int dimension() {
        return SpecialUnitary.rowLength(config.n());
    }

    /** The exact log-density (the flow's density is exact). */
    @Override
    public double[] elbo(INDArray x, long seed) {
        return inverse(anglesOf(x)).logDensity();
    }

    /** {@code count} samples as rows of {@link SpecialUnitary#toRow} (SU(2): unit quaternions), drawn from the seed. */
    @Override
    public INDArray sample(int count, long seed) {
        List<ComplexMatrix> u = sample(count, Noise.stream(seed, 0, Noise.Purpose.SAMPLING));
        double[][] rows = new double[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = SpecialUnitary.toRow(u.get(i));
        }
        return count == 0 ? Nd4j.zeros(TYPE, 0, dimension()) : Nd4j.create(rows).castTo(TYPE);
    }

    /**
     * With a target, the reverse KL {@code mean(log q − S)} of the batch's matrices (Haar draws, see
     * {@code train.HaarData}) pushed forward; without, {@code −mean log q} of the batch (data). Deterministic.
     */
    @Override
    public Objective objective(INDArray batch, long iteration) {
        Gradients g = gradients(anglesOf(batch));
        return new Objective(g.loss(), g.loss(), new double[0], g.byName());
    }

    @Override
    public String family() {
        return FAMILY;
    }

    /** From the rows as base draws pushed forward (with a target) or as data integrated backward (without). */
    @Override
    double integrationError(INDArray batch, int steps) {
        int rows = (int) Math.min(64, batch.rows());
        double[][] theta = anglesOf(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rows),
                org.nd4j.linalg.indexing.NDArrayIndex.all()));
        return StepRefinement.stepDoublingError(loadedKernel(), flat(theta, config.n()), rows, steps, target != null);
    }

    @Override
    public long seed() {
        return config.seed();
    }

    @Override
    int steps() {
        return config.steps();
    }

    @Override
    void setSteps(int steps) {
        config = new Config(config.n(), config.hidden(), steps, config.seed(), config.learningRate(), config.target());
    }

    /**
     * The same flow integrated with another number of Runge–Kutta steps (the same potential: a finer or coarser
     * discretisation of the same continuous flow), for example to check how much {@code log q} depends on it.
     *
     * @param steps the steps, 1 to 1024
     * @return a new flow with the same weights and optimiser state
     */
    public SpectralFlow withSteps(int steps) {
        Saved s = state();
        Config c = new Config(config.n(), config.hidden(), steps, config.seed(), config.learningRate(), config.target());
        SpectralFlow flow = restore(new Saved(c, s.parameters(), s.optimizer(), s.iteration(), s.learningRate(), s.consecutiveSkips()));
        flow.useEngine(engine());
        return flow;
    }

    /** @return the reverse-KL target, or null for a flow trained by maximum likelihood */
    public SuTarget target() {
        return target;
    }

    /**
     * Importance sampling of the target with the flow as proposal: weights {@code w = exp(S − log q)} of
     * {@code count} samples, their effective sample size per draw {@code (Σw)²/(N Σw²)} and {@code log Ẑ =
     * log mean w}, each with a standard error from 10 batches, and the bound {@code mean(log q − S)} (add the target's
     * exact {@code log Z} for the reverse KL, {@link Importance#reverseKl}).
     *
     * @param count the number of samples
     * @param rng   the random source
     * @return the estimates
     */
    public Importance importance(int count, SplittableRandom rng) {
        if (target == null) {
            throw new IllegalStateException("this flow has no target; give one to importance(count, target, rng)");
        }
        return importance(count, target, rng);
    }

    /**
     * {@link #importance(int, SplittableRandom)} against a given target (for example that of an evaluation).
     *
     * @param count  the number of samples
     * @param target the target
     * @param rng    the random source
     * @return the estimates
     */
    public Importance importance(int count, SuTarget target, SplittableRandom rng) {
        if (target.n() != config.n()) {
            throw new IllegalArgumentException("the flow is on SU(" + config.n() + ") but the target " + target.name() + " on SU("
                    + target.n() + ")");
        }
        int batches = 10;
        int per = Math.max(1, count / batches);
        List<double[]> logW = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            Pass p = forward(baseAngles(per, rng));
            double[] batch = new double[per];
            for (int i = 0; i < per; i++) {
                batch[i] = target.action(p.angles()[i]) - p.logDensity()[i];
            }
            logW.add(batch);
        }
        return Importance.of(logW);
    }


    /** @return the sizes */
    public Config config() {
        return config;
    }

    /** @return the forward graph: base angles to flowed angles, {@code log q} and (with a target) the loss */
    SameDiff forwardGraph() {
        ensureGraphs();
        return forward;
    }

    /** The fused kernel's field at given angles and time, rows {@code (v_1 … v_n, div, Φ)}, as {@link #field}. */
    double[][] fusedField(double[][] theta, double t) {
        int n = config.n();
        int b = theta.length;
        double[] v = new double[b * n];
        double[] div = new double[b];
        double[] phi = new double[b];
        loadedKernel().field(flat(theta, n), b, t, v, div, phi);
        double[][] result = new double[b][n + 2];
        for (int i = 0; i < b; i++) {
            System.arraycopy(v, i * n, result[i], 0, n);
            result[i][n] = div[i];
            result[i][n + 1] = phi[i];
        }
        return result;
    }

    /** The potential and its field at given angles and time, for checks: a graph of its own sharing the weights. */
    double[][] field(double[][] theta, double t) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("theta", TYPE, -1, config.n());
        SpectralPotential.Field f = sharedPotential(sd).field(sd, x, t);
        f.velocity().rename("v");
        f.divergence().rename("div");
        f.potential().rename("phi");
        shareWeights(sd);
        Map<String, INDArray> out = sd.output(Map.of("theta", Nd4j.create(theta).castTo(TYPE)), "v", "div", "phi");
        int b = theta.length;
        double[][] result = new double[b][];
        double[][] v = out.get("v").toDoubleMatrix();
        for (int i = 0; i < b; i++) {
            double[] row = new double[config.n() + 2];
            System.arraycopy(v[i], 0, row, 0, config.n());
            row[config.n()] = out.get("div").getDouble(i, 0);
            row[config.n() + 1] = out.get("phi").getDouble(i, 0);
            result[i] = row;
        }
        return result;
    }
}
