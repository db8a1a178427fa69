package org.eqflow.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.fused.FusedLagrangian;
import org.eqflow.core.fused.ShardedLagrangian;
import org.eqflow.core.model.Objective;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link HamiltonianEngine} on the fused engine ({@link ShardedLagrangian}): the model's weights are read from the
 * graph's arrays at each call, results come back as arrays of the model's type.
 */
final class FusedHamiltonianEngine implements HamiltonianEngine {
    private final FusedLagrangian.Spec spec;
    private final java.util.Optional<Symmetry> symmetry;
    private final BaseDensity base;
    private final Map<String, long[]> parameterShapes;
    private final Supplier<Map<String, INDArray>> parameters;
    private final DataType dataType;
    private final int dimension;
    private ShardedLagrangian lagrangian;

    FusedHamiltonianEngine(FlowConfig c, FlowParts parts, Map<String, long[]> parameterShapes,
                           Supplier<Map<String, INDArray>> parameters, DataType dataType) {
        this.spec = new FusedLagrangian.Spec(c.dimension(), c.hidden(), c.leapfrogSteps(), c.stepSize(), c.learnableStepSize(),
                c.separateHamiltonians(), c.kinetic() == FlowConfig.Kinetic.QUADRATIC, c.constraint() == FlowConfig.Constraint.HARD,
                c.constraint() == FlowConfig.Constraint.SOFT, c.penaltySites() == FlowConfig.PenaltySites.BASE_AND_FLOW,
                c.penaltySites() == FlowConfig.PenaltySites.DATA_AND_BASE,
                c.kappa(), c.precision() == FlowConfig.Precision.FLOAT64, c.trainingSamples(), c.contextSize());
        this.symmetry = parts.symmetry();
        this.base = parts.base();
        this.parameterShapes = parameterShapes;
        this.parameters = parameters;
        this.dataType = dataType;
        this.dimension = c.dimension();
        this.lagrangian = new ShardedLagrangian(spec, symmetry, base, parameterShapes, 1);
    }

    /** Runs on {@code threads} cores from now on (a new set of shards; the old one's pool is closed). */
    void setThreads(int threads) {
        if (lagrangian.threads() != threads) {
            lagrangian.close();
            lagrangian = new ShardedLagrangian(spec, symmetry, base, parameterShapes, threads);
        }
    }

    @Override
    public Objective evaluate(Map<String, INDArray> feeds, double[] lambda) {
        FusedLagrangian.Result r = lagrangian.evaluate(parameters.get(), feeds.get("q"), feeds.get("noise"), feeds.get("penaltyQ"),
                feeds.get("penaltyP"), lambda);
        return new Objective(r.loss(), r.negElbo(), r.constraints(), r.gradients());
    }

    @Override
    public double loss(Map<String, INDArray> feeds, double[] lambda) {
        return evaluate(feeds, lambda).loss();
    }

    /** {@link #evaluate} with the gradient of the loss with respect to a conditional model's context (one shard). */
    FusedLagrangian.Result evaluateWithContextGradient(Map<String, INDArray> feeds, double[] lambda) {
        return lagrangian.evaluateWithContextGradient(parameters.get(), feeds.get("q"), feeds.get("noise"),
                feeds.get("penaltyQ"), feeds.get("penaltyP"), lambda);
    }

    @Override
    public double[] logWeights(INDArray q, INDArray noise) {
        return lagrangian.logWeights(parameters.get(), q, noise);
    }

    @Override
    public INDArray finalPosition(INDArray q0, INDArray p0) {
        List<double[]> last = lagrangian.forwardFlow(parameters.get(), q0, p0, FusedLagrangian.Kept.FINAL_POSITION);
        return matrix(last.get(0), p0.rows());
    }

    @Override
    public List<INDArray> states(INDArray q0, INDArray p0) {
        List<INDArray> out = new ArrayList<>();
        for (double[] s : lagrangian.forwardFlow(parameters.get(), q0, p0, FusedLagrangian.Kept.ALL_STATES)) {
            out.add(matrix(s, p0.rows()));
        }
        return out;
    }

    @Override
    public INDArray[] forward(INDArray q, INDArray p) {
        List<double[]> last = lagrangian.forwardFlow(parameters.get(), q, p, FusedLagrangian.Kept.FINAL_STATE);
        return new INDArray[] {matrix(last.get(0), q.rows()), matrix(last.get(1), q.rows())};
    }

    @Override
    public INDArray logJoint(INDArray q, INDArray p) {
        return vector(lagrangian.logJoint(parameters.get(), q, p));
    }

    @Override
    public INDArray encode(INDArray q, INDArray noise) {
        return matrix(lagrangian.encode(parameters.get(), q, noise), q.rows());
    }

    @Override
    public INDArray encoderLogDensity(INDArray q, INDArray p) {
        return vector(lagrangian.encoderLogDensity(parameters.get(), q, p));
    }

    @Override
    public double[] constraints(INDArray penaltyQ, INDArray penaltyP) {
        return lagrangian.constraints(parameters.get(), penaltyQ, penaltyP);
    }

    /** A result per row as a vector {@code [n]} of the model's type. */
    private INDArray vector(double[] values) {
        return Nd4j.create(values, new long[] {values.length}, DataType.DOUBLE).castTo(dataType);
    }

    /** A result {@code n × d} (row-major doubles) as an array of the model's type. */
    private INDArray matrix(double[] values, long n) {
        return Nd4j.create(values, new long[] {n, dimension}, DataType.DOUBLE).castTo(dataType);
    }
}
