package org.eqflow.examples.bench;

import java.util.concurrent.TimeUnit;
import org.eqflow.core.Engine;
import org.eqflow.core.Threads;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.manifold.SphereFlow;
import org.eqflow.core.manifold.SphereSymmetry;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.train.HaarData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * JMH benchmarks of the manifold flows at the library's defaults (hidden 32, 8 Runge–Kutta steps), one thread. On
 * SU(n): the work of a reverse-KL training step on {@code batch} Haar draws towards {@code su<n>:boyda2} (the flow
 * and its reverse mode), sampling {@code batch} matrices, and exact log-densities of {@code batch} matrices
 * (eigen-angles and the backward flow). On S² ({@code s2} invariant about z, {@code s2:none} unconstrained): the
 * work of a maximum-likelihood step on {@code batch} uniform points, sampling, and exact log-densities. Run through
 * {@code eqflow bench --manifold}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ManifoldFlowBenchmark {
    /** The manifold: {@code su2}, {@code su3}, {@code su4}, {@code s2} or {@code s2:none}. */
    @Param({"su3"})
    public String model;

    @Param({"256"})
    public int batch;

    /** {@code auto} (the fused kernels) or {@code graph}. */
    @Param({"auto"})
    public String path;

    private TrainableModel flow;
    private INDArray haar;
    private INDArray points;

    /**
     * Checks a model name.
     *
     * @param model {@code su<n>}, {@code s2} or {@code s2:none}
     * @return n of SU(n), or 0 for S²
     */
    public static int group(String model) {
        if (model.equals("s2") || model.equals("s2:none")) {
            return 0;
        }
        if (!model.matches("su[2-4]")) {
            throw new IllegalArgumentException("--manifold: '" + model + "' is not su2, su3, su4, s2 or s2:none");
        }
        return model.charAt(2) - '0';
    }

    @Setup(Level.Trial)
    public void setUp() {
        Threads.useSingleThread();
        int n = group(model);
        Engine engine = Engine.valueOf(path.toUpperCase(java.util.Locale.ROOT));
        if (n == 0) {
            SphereFlow s2 = SphereFlow.create(SphereFlow.Config.defaults(model.equals("s2") ? SphereSymmetry.AXIS_Z : SphereSymmetry.NONE, 3));
            s2.useEngine(engine);
            flow = s2;
            haar = Nd4j.create(SphereFlow.uniform(batch, new java.util.SplittableRandom(1)));
            points = Nd4j.create(SphereFlow.uniform(batch, new java.util.SplittableRandom(2)));
            return;
        }
        SpectralFlow su = SpectralFlow.create(SpectralFlow.Config.defaults(n, 3, "su" + n + ":boyda2"));
        su.useEngine(engine);
        flow = su;
        haar = new HaarData(n, 1).batch(0, batch);
        points = new HaarData(n, 2).batch(0, batch);
    }

    /** Appends the fork's peak resident memory to the file named by {@link FlowBenchmark#MEMORY_FILE_PROPERTY}. */
    @TearDown(Level.Trial)
    public void recordPeakMemory(BenchmarkParams params) throws java.io.IOException {
        FiniteFlowBenchmark.recordPeakMemory(params, model, batch, path);
    }

    /**
     * A training update's work: the loss (SU(n): reverse KL; S²: the likelihood of the points) and every weight gradient at fixed weights (Adam's update of the
     * ~1,300 weights is negligible; not moving them keeps the flow at its default step count, which the integrator
     * check could otherwise raise on a flow trained for thousands of updates on one batch).
     */
    @Benchmark
    public Objective trainStep() {
        return flow.objective(haar, 0);
    }

    @Benchmark
    public INDArray sample() {
        return flow.sample(batch, 5);
    }

    @Benchmark
    public double[] logprob() {
        return flow.elbo(points, 0);
    }
}
