package org.eqflow.core.manifold;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.Noise;
import org.eqflow.core.model.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A flow on the sphere S² (seed 003's equivariant manifold flow): the uniform density {@code 1/4π} pushed forward by
 * the gradient flow of a potential ({@link SpherePotential}) from t = 0 to 1, integrated by the classical
 * Runge–Kutta method in R³ with the point normalised onto the sphere after each step, and {@code d log q/dt = −div}
 * alongside. With {@link SphereSymmetry#AXIS_Z} the potential is a function of the height z, its field commutes with
 * every rotation about z and so does the flow: the density is invariant under them. With {@link SphereSymmetry#NONE}
 * it is an unconstrained manifold flow. Log-densities are with respect to area (total 4π).
 *
 * <p>Trained by maximum likelihood: data are integrated backward to the uniform base. The SameDiff graph defines the
 * model and gives the weight gradients through the integrator; the fused engine ({@link SphereKernel}, the default)
 * computes the same by hand-derived kernels in plain Java, equal to the graph to round-off. Float64.
 */
public final class SphereFlow extends ManifoldFlow {
    /** The family's name in model files and logs. */
    public static final String FAMILY = "sphere";
    /** Default width of the potential's hidden layers. */
    public static final int DEFAULT_HIDDEN = 32;
    /** Default Runge–Kutta steps (doubled in training while the integrator's error exceeds 0.01 nats). */
    public static final int DEFAULT_STEPS = 8;
    /** Default Adam learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 3e-3;
    /** Default batch of data points per update. */
    public static final int DEFAULT_BATCH = 256;
    /** {@code log 4π}: minus the base's log-density, uniform with respect to area. */
    public static final double LOG_AREA = Math.log(4 * Math.PI);
    /** How far a point may be from the unit sphere, {@code ||x| − 1|}. */
    public static final double TOLERANCE = 1e-6;

    private Config config;
    private SameDiff forward;
    private SameDiff inverse;
    private int graphSteps;
    private final SphereKernel kernel;

    /**
     * The flow's configuration (what a model file's {@code config.json} holds).
     *
     * @param symmetry     what the density is invariant under
     * @param hidden       width of the potential's two hidden layers
     * @param steps        Runge–Kutta steps from t = 0 to 1
     * @param seed         seed of the initial weights and of the training draws
     * @param learningRate Adam's learning rate
     */
    public record Config(SphereSymmetry symmetry, int hidden, int steps, long seed, double learningRate) {
        /** Checks the values. */
        public Config {
            if (symmetry == null) {
                throw new IllegalArgumentException("a flow on S² needs a symmetry: axis:z or none");
            }
            if (hidden < 1 || hidden > 4096 || steps < 1 || steps > 1024) {
                throw new IllegalArgumentException("a flow on S² needs 1 <= hidden <= 4096 and 1 <= steps <= 1024, got hidden "
                        + hidden + ", steps " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("the learning rate must be finite and > 0, got " + learningRate);
            }
        }

        /**
         * The defaults: hidden {@value #DEFAULT_HIDDEN}, {@value #DEFAULT_STEPS} steps, learning rate 3e-3.
         *
         * @param symmetry what the density is invariant under
         * @param seed     the seed
         * @return the configuration
         */
        public static Config defaults(SphereSymmetry symmetry, long seed) {
            return new Config(symmetry, DEFAULT_HIDDEN, DEFAULT_STEPS, seed, DEFAULT_LEARNING_RATE);
        }

        Config withSteps(int newSteps) {
            return new Config(symmetry, hidden, newSteps, seed, learningRate);
        }
    }

    /** The end of a pass: points {@code [B][3]} and {@code log q} of each (with respect to area). */
    public record Pass(double[][] points, double[] logDensity) {
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

    private SphereFlow(Config config) {
        super(params -> new SpherePotential(params, config.symmetry(), config.hidden()), config.seed(), config.learningRate());
        this.config = config;
        this.kernel = new SphereKernel(config.symmetry(), config.hidden());
    }

    /**
     * @param config the configuration
     * @return an untrained flow (close to the uniform density)
     */
    public static SphereFlow create(Config config) {
        return new SphereFlow(config);
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
    public static SphereFlow restore(Saved saved) {
        SphereFlow flow = new SphereFlow(saved.config());
        flow.restoreState(saved.parameters(), saved.optimizer(), saved.iteration(), saved.learningRate(), saved.consecutiveSkips());
        return flow;
    }

    /**
     * The shape of every parameter a configuration defines, in creation order.
     *
     * @param config the configuration
     * @return shapes by name
     */
    public static Map<String, long[]> parameterShapes(Config config) {
        return FlowWeights.shapes(config.symmetry().coordinates().length + 1, config.hidden());
    }

    /**
     * The same flow integrated with another number of Runge–Kutta steps (the same continuous flow, discretised
     * more finely or coarsely).
     *
     * @param steps the steps, 1 to 1024
     * @return a new flow with the same weights and optimiser state
     */
    public SphereFlow withSteps(int steps) {
        Saved s = state();
        SphereFlow flow = restore(new Saved(config.withSteps(steps), s.parameters(), s.optimizer(), s.iteration(), s.learningRate(),
                s.consecutiveSkips()));
        flow.useEngine(engine());
        return flow;
    }

    /** @return the configuration (its steps as raised by training) */
    public Config config() {
        return config;
    }

    // ---------------------------------------------------------------- graphs

    private void ensureGraphs() {
        if (forward != null && graphSteps == config.steps()) {
            return;
        }
        forward = SameDiff.create();
        SDVariable x0 = forward.placeHolder("x0", TYPE, -1, 3);
        SDVariable[] end = integrate(forward, sharedPotential(forward), x0, true);
        end[0].rename("x1");
        end[1].rename("logq");
        shareWeights(forward);
        inverse = SameDiff.create();
        SDVariable x1 = inverse.placeHolder("x", TYPE, -1, 3);
        SDVariable[] start = integrate(inverse, sharedPotential(inverse), x1, false);
        start[0].rename("x0");
        start[1].rename("logq");
        start[1].mean().neg().rename("nll");
        inverse.setLossVariables("nll");
        shareWeights(inverse);
        graphSteps = config.steps();
    }

    private SpherePotential sharedPotential(SameDiff sd) {
        return new SpherePotential(sharedParameters(sd), config.symmetry(), config.hidden());
    }

    /**
     * Runge–Kutta from t = 0 to 1 (forward) or 1 to 0, the point normalised after each step; returns the end points
     * and {@code log q} at the forward flow's far end, {@code −log 4π − ∫_0^1 div dt}.
     */
    private SDVariable[] integrate(SameDiff sd, SpherePotential potential, SDVariable x, boolean forwardInTime) {
        SDVariable ones = sd.constant(Nd4j.ones(TYPE, 3, 1));
        SDVariable[] end = rungeKutta(sd, (y, t) -> {
            SpherePotential.Field f = potential.field(sd, y, t);
            return new SDVariable[] {f.velocity(), f.divergence()};
        }, x, config.steps(), forwardInTime, p -> p.div(sd.math.sqrt(p.mul(p).mmul(ones))));
        return new SDVariable[] {end[0], end[1].sub(LOG_AREA)};
    }

    // ---------------------------------------------------------------- passes

    private SphereKernel loadedKernel() {
        load(kernel.mlp);
        return kernel;
    }

    private Pass fusedPass(double[][] points, boolean forwardInTime) {
        double[] x = flat(points);
        double[] logq = new double[points.length];
        loadedKernel().integrate(x, points.length, config.steps(), forwardInTime, logq, null);
        double[][] out = new double[points.length][];
        for (int i = 0; i < points.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(x, 3 * i, 3 * i + 3);
            logq[i] -= LOG_AREA;
        }
        return new Pass(out, logq);
    }

    /**
     * The forward flow of base points (uniform draws for samples).
     *
     * @param x0 {@code [B][3]} unit vectors
     * @return the points at t = 1 and their {@code log q}
     */
    public Pass forward(double[][] x0) {
        checkPoints(x0);
        if (fused()) {
            return fusedPass(x0, true);
        }
        ensureGraphs();
        Map<String, INDArray> out = forward.output(Map.of("x0", Nd4j.create(x0).castTo(TYPE)), "x1", "logq");
        return new Pass(out.get("x1").toDoubleMatrix(), out.get("logq").toDoubleVector());
    }

    /**
     * {@code log q} at points of S² (the backward flow to t = 0).
     *
     * @param x {@code [B][3]} unit vectors
     * @return the base points and {@code log q} with respect to area
     */
    public Pass inverse(double[][] x) {
        checkPoints(x);
        if (fused()) {
            return fusedPass(x, false);
        }
        ensureGraphs();
        Map<String, INDArray> out = inverse.output(Map.of("x", Nd4j.create(x).castTo(TYPE)), "x0", "logq");
        return new Pass(out.get("x0").toDoubleMatrix(), out.get("logq").toDoubleVector());
    }

    /**
     * Uniform draws on S² (the base): the height uniform in [−1, 1] and the longitude in [0, 2π) (Archimedes).
     *
     * @param count the number of draws
     * @param rng   the random source
     * @return {@code [count][3]} unit vectors
     */
    public static double[][] uniform(int count, SplittableRandom rng) {
        double[][] out = new double[count][];
        for (int i = 0; i < count; i++) {
            double z = 2 * rng.nextDouble() - 1;
            double phi = 2 * Math.PI * rng.nextDouble();
            double r = Math.sqrt(Math.max(0, 1 - z * z));
            out[i] = new double[] {r * Math.cos(phi), r * Math.sin(phi), z};
        }
        return out;
    }

    /**
     * Why a row is not a point of S², or null.
     *
     * @param row the numbers of one row
     * @return the reason, or null if the row is a unit vector (to {@value #TOLERANCE})
     */
    public static String whyNotOnSphere(double[] row) {
        if (row.length != 3) {
            return "a point of S² is a unit vector x,y,z; the row has " + row.length + " values";
        }
        double norm = Math.sqrt(row[0] * row[0] + row[1] * row[1] + row[2] * row[2]);
        return Math.abs(norm - 1) <= TOLERANCE ? null
                : String.format(java.util.Locale.ROOT, "|x| = %.6g, not 1 (points of S² are unit vectors)", norm);
    }

    private static void checkPoints(double[][] x) {
        for (int i = 0; i < x.length; i++) {
            String why = whyNotOnSphere(x[i]);
            if (why != null) {
                throw new IllegalArgumentException("point " + i + ": " + why);
            }
        }
    }

    private static double[] flat(double[][] rows) {
        double[] out = new double[rows.length * 3];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, 3 * i, 3);
        }
        return out;
    }

    // ---------------------------------------------------------------- the density-model contract

    private static double[][] points(INDArray rows) {
        if (rows.rank() != 2 || rows.columns() != 3) {
            throw new IllegalArgumentException("points of S² are rows of 3 numbers (x,y,z), got shape "
                    + java.util.Arrays.toString(rows.shape()));
        }
        return rows.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    @Override
    public int dimension() {
        return 3;
    }

    /** The exact log-density (the flow's density is exact). */
    @Override
    public double[] elbo(INDArray x, long seed) {
        return inverse(points(x)).logDensity();
    }

    /** {@code count} samples as rows x,y,z, drawn from the seed. */
    @Override
    public INDArray sample(int count, long seed) {
        if (count == 0) {
            return Nd4j.zeros(TYPE, 0, 3);
        }
        return Nd4j.create(forward(uniform(count, Noise.stream(seed, 0, Noise.Purpose.SAMPLING))).points()).castTo(TYPE);
    }

    /** {@code −mean log q} of the batch (data) and its weight gradients, on the engine in use. Deterministic. */
    @Override
    public Objective objective(INDArray batch, long iteration) {
        double[][] x = points(batch);
        checkPoints(x);
        if (fused()) {
            SphereKernel k = loadedKernel();
            double loss = k.nllAndGradients(flat(x), x.length, config.steps()) + LOG_AREA;
            return new Objective(loss, loss, new double[0], FlowWeights.gradients(k.mlp));
        }
        ensureGraphs();
        return graphObjective(inverse, Map.of("x", Nd4j.create(x).castTo(TYPE)), "nll");
    }

    /** The batch's first 64 points integrated backward. */
    @Override
    double integrationError(INDArray batch, int steps) {
        int rows = (int) Math.min(64, batch.rows());
        double[][] x = points(batch.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()));
        return StepRefinement.stepDoublingError(loadedKernel(), flat(x), rows, steps, false);
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
        config = config.withSteps(steps);
    }

    @Override
    public String family() {
        return FAMILY;
    }

    /** The fused kernel's field at given points and time, rows {@code (v_x, v_y, v_z, div, Φ)}. */
    double[][] fusedField(double[][] x, double t) {
        int b = x.length;
        double[] v = new double[b * 3];
        double[] div = new double[b];
        double[] phi = new double[b];
        loadedKernel().field(flat(x), b, t, v, div, phi);
        double[][] out = new double[b][];
        for (int i = 0; i < b; i++) {
            out[i] = new double[] {v[3 * i], v[3 * i + 1], v[3 * i + 2], div[i], phi[i]};
        }
        return out;
    }

    /** The graph's field at given points and time, rows {@code (v_x, v_y, v_z, div, Φ)}, for checks. */
    double[][] field(double[][] x, double t) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", TYPE, -1, 3);
        SpherePotential.Field f = sharedPotential(sd).field(sd, in, t);
        f.velocity().rename("v");
        f.divergence().rename("div");
        f.potential().rename("phi");
        shareWeights(sd);
        Map<String, INDArray> out = sd.output(Map.of("x", Nd4j.create(x).castTo(TYPE)), "v", "div", "phi");
        double[][] v = out.get("v").toDoubleMatrix();
        double[][] result = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            result[i] = new double[] {v[i][0], v[i][1], v[i][2], out.get("div").getDouble(i, 0), out.get("phi").getDouble(i, 0)};
        }
        return result;
    }
}
