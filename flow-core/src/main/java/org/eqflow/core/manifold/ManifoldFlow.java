package org.eqflow.core.manifold;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.eqflow.core.Engine;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.optim.Optimizer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the continuous flows on manifolds share ({@link SpectralFlow} on SU(n), {@link SphereFlow} on S²): the
 * potential network's weights, owned here and shared by every graph a flow builds; the Adam optimiser; the choice of
 * engine (the SameDiff graph that defines the model, or the fused kernels equal to it); exact log-densities; and the
 * training step with its check of the integrator ({@link StepRefinement}: every 50 updates, the Runge–Kutta steps
 * are doubled while {@code log q} moves by more than 0.01 nats between S and 2S steps). Float64.
 */
public abstract sealed class ManifoldFlow implements TrainableModel permits SpectralFlow, SphereFlow {
    /** The graphs' floating-point type. */
    static final DataType TYPE = DataType.DOUBLE;
    /** The weights by name, owned here; each graph's variables are these arrays. */
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final List<String> names;
    private final Optimizer optimizer;
    private final StepRefinement refinement = new StepRefinement();
    private Engine engine = Engine.FUSED;

    /**
     * @param define       creates the network's parameters from a source (the potential's constructor)
     * @param seed         the seed of the initial weights
     * @param learningRate Adam's learning rate
     */
    ManifoldFlow(Consumer<ParameterSource> define, long seed, double learningRate) {
        SameDiff init = SameDiff.create();
        GraphParameters params = new GraphParameters(init, TYPE, seed);
        define.accept(params);
        this.names = List.copyOf(params.names());
        for (String name : names) {
            weights.put(name, init.getVariable(name).getArr());
        }
        this.optimizer = new Optimizer(parameters(), learningRate, 0.0);
    }

    /**
     * A manifold flow's saved state, everything needed to continue it exactly (a model file's content):
     * {@link SpectralFlow.Saved} or {@link SphereFlow.Saved}.
     */
    public sealed interface SavedState permits SpectralFlow.Saved, SphereFlow.Saved {
        /** @return the flow's configuration record ({@code config.json}) */
        Record config();

        /** @return weights by name */
        Map<String, NamedArray> parameters();

        /** @return Adam moments by parameter name */
        Map<String, NamedArray> optimizer();

        /** @return updates made */
        long iteration();

        /** @return the base learning rate */
        double learningRate();

        /** @return non-finite updates in a row */
        int consecutiveSkips();
    }

    /** @return a snapshot of the weights, the optimiser and the counters */
    public abstract SavedState state();

    /** @return the seed of the initial weights and of the training draws (its configuration's) */
    public abstract long seed();

    /** @return the Runge–Kutta steps the flow integrates with now */
    abstract int steps();

    /** Continues with another number of Runge–Kutta steps (raised by the integrator check). */
    abstract void setSteps(int steps);

    /**
     * The step-doubling estimate of the integrator's error in {@code log q} at a batch, for a given step count (see
     * {@link StepRefinement#stepDoublingError}).
     */
    abstract double integrationError(INDArray batch, int steps);

    /**
     * The step-doubling estimate of the integrator's error in {@code log q}: the mean {@code |log q_S − log q_2S|}
     * over the batch's first 64 rows, with S the flow's Runge–Kutta steps.
     *
     * @param batch points of the manifold, rows as the flow reads them
     * @return the estimate, nats per point
     */
    public double integrationError(INDArray batch) {
        return integrationError(batch, steps());
    }

    /**
     * Chooses the engine of every later pass and training step: {@link Engine#GRAPH} runs the SameDiff graphs,
     * {@link Engine#FUSED} and {@link Engine#AUTO} the fused kernels (the default).
     *
     * @param engine the engine
     */
    public void useEngine(Engine engine) {
        this.engine = engine == Engine.AUTO ? Engine.FUSED : engine;
    }

    /** @return the engine in use, {@link Engine#FUSED} or {@link Engine#GRAPH} */
    public Engine engine() {
        return engine;
    }

    /** @return whether passes and gradients run on the fused kernels */
    final boolean fused() {
        return engine == Engine.FUSED;
    }

    /** Copies the current weights into a fused kernel's network. */
    final void load(DirectionalMlp mlp) {
        FlowWeights.load(weights, mlp);
    }

    /** A parameter source that hands a graph the flow's own arrays (call {@link #shareWeights} after building). */
    final ParameterSource sharedParameters(SameDiff sd) {
        return (name, shape, init) -> sd.var(name, weights.get(name));
    }

    /** Makes {@code sd}'s weights the flow's arrays (no copies: training moves every graph's). */
    final void shareWeights(SameDiff sd) {
        for (String name : names) {
            sd.associateArrayWithVariable(weights.get(name), name);
        }
    }

    /** A field as graph ops: {@code {velocity, divergence [B, 1]}} at states x and time t. */
    interface GraphField {
        SDVariable[] at(SDVariable x, double t);
    }

    /**
     * The classical Runge–Kutta method as graph ops (the graphs' twin of {@link RungeKuttaKernel#integrate}), from
     * t = 0 to 1 ({@code forwardInTime}) or 1 to 0, {@code retract} applied to each step's end: returns the end states
     * and {@code −∫_0^1 div dt} along the path, {@code [B]}.
     */
    static SDVariable[] rungeKutta(SameDiff sd, GraphField field, SDVariable x, int steps, boolean forwardInTime,
                                   UnaryOperator<SDVariable> retract) {
        double h = (forwardInTime ? 1.0 : -1.0) / steps;
        SDVariable integral = null;
        for (int step = 0; step < steps; step++) {
            double t = forwardInTime ? step / (double) steps : 1.0 - step / (double) steps;
            SDVariable[] f1 = field.at(x, t);
            SDVariable[] f2 = field.at(x.add(f1[0].mul(h / 2)), t + h / 2);
            SDVariable[] f3 = field.at(x.add(f2[0].mul(h / 2)), t + h / 2);
            SDVariable[] f4 = field.at(x.add(f3[0].mul(h)), t + h);
            x = retract.apply(x.add(f1[0].add(f2[0].mul(2.0)).add(f3[0].mul(2.0)).add(f4[0]).mul(h / 6)));
            SDVariable increment = f1[1].add(f2[1].mul(2.0)).add(f3[1].mul(2.0)).add(f4[1]).mul(Math.abs(h) / 6);
            integral = integral == null ? increment : integral.add(increment);
        }
        return new SDVariable[] {x, sd.reshape(integral.neg(), -1)};
    }

    /** A graph's loss and the gradient of every weight, c-order. */
    final Objective graphObjective(SameDiff sd, Map<String, INDArray> feeds, String loss) {
        Quiet.createGradFunction(sd);
        var og = sd.calculateGradientsAndOutputs(feeds, List.of(loss), names);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : names) {
            grads.put(name, og.getGradients().get(name).dup('c').data().asDouble());
        }
        double value = og.getOutputs().get(loss).getDouble(0);
        return new Objective(value, value, new double[0], grads);
    }

    /** Snapshots of the weights ({@code [0]}) and the optimiser's moments ({@code [1]}). */
    final List<Map<String, NamedArray>> snapshot() {
        return FlowWeights.snapshot(names, weights, optimizer);
    }

    /** Sets the weights, the moments and the counters from a saved state. */
    final void restoreState(Map<String, NamedArray> parameters, Map<String, NamedArray> moments, long iteration, double learningRate,
                            int consecutiveSkips) {
        FlowWeights.restore(names, weights, optimizer, parameters, moments);
        optimizer.restore(iteration, learningRate, consecutiveSkips);
    }

    /** @return the base learning rate */
    final double learningRate() {
        return optimizer.learningRate();
    }

    /** @return non-finite updates in a row */
    final int consecutiveSkips() {
        return optimizer.consecutiveSkips();
    }

    @Override
    public DataType dataType() {
        return TYPE;
    }

    /** Exact: the backward flow's {@code log q} (standard error 0). */
    @Override
    public Iwae.Estimate[] logDensity(INDArray x, int samples, long seed) {
        double[] lp = elbo(x, seed);
        Iwae.Estimate[] out = new Iwae.Estimate[lp.length];
        for (int i = 0; i < lp.length; i++) {
            out[i] = new Iwae.Estimate(lp[i], 0.0);
        }
        return out;
    }

    @Override
    public Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(weights);
    }

    @Override
    public void accept(Objective objective) {
    }

    @Override
    public String engineDescription() {
        return engine == Engine.FUSED ? "fused" : "graph";
    }

    @Override
    public long iteration() {
        return optimizer.iteration();
    }

    @Override
    public void setLearningRateScale(double scale) {
        optimizer.setLearningRateScale(scale);
    }

    /**
     * One Adam update; every {@value StepRefinement#CHECK_EVERY} updates, the integrator's accuracy is checked at
     * the batch and the Runge–Kutta steps doubled (at most to {@value StepRefinement#MAX_STEPS}) while the
     * step-doubling estimate of the error in {@code log q} exceeds {@value StepRefinement#TOLERANCE} nats. Without
     * it, training can learn a field so stiff that the fixed-step {@code log q} is wrong by more than the loss it
     * reports (docs/manifolds.md).
     */
    @Override
    public TrainStep trainStep(INDArray batch) {
        Optimizer.Update u = optimizer.step(this, batch);
        if (optimizer.iteration() % StepRefinement.CHECK_EVERY == 0) {
            int refined = refinement.refine(steps(), s -> integrationError(batch, s), optimizer.iteration());
            if (refined != steps()) {
                setSteps(refined);
            }
        }
        Objective o = u.objective();
        return new TrainStep(u.iteration(), o.loss(), o.dataTerm(), new double[0], new double[0], u.gradientNorm(), u.skipped(),
                u.learningRate());
    }
}
