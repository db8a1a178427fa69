package org.eqflow.examples.bench;

import java.util.concurrent.TimeUnit;
import org.eqflow.core.Engine;
import org.eqflow.core.Threads;
import org.eqflow.core.manifold.SpectralFlow;
import org.eqflow.core.model.Objective;
import org.eqflow.core.train.HaarData;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * JMH benchmarks of the SU(n) flow at the library's defaults (hidden 32, 8 Runge–Kutta steps), one thread: the
 * work of a reverse-KL training step on {@code batch} Haar draws towards {@code su<n>:boyda2} (the flow and its
 * reverse mode), sampling {@code batch} matrices, and exact log-densities of {@code batch} matrices (eigen-angles and the
 * backward flow). Run through {@code eqflow bench --su}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SuFlowBenchmark {
    /** The group, {@code su2}, {@code su3} or {@code su4}. */
    @Param({"su3"})
    public String model;

    @Param({"256"})
    public int batch;

    /** {@code auto} (the fused kernels) or {@code graph}. */
    @Param({"auto"})
    public String path;

    private SpectralFlow flow;
    private INDArray haar;
    private INDArray points;

    /**
     * @param model {@code su<n>}
     * @return n
     */
    public static int group(String model) {
        if (!model.matches("su[2-4]")) {
            throw new IllegalArgumentException("--su: '" + model + "' is not su2, su3 or su4");
        }
        return model.charAt(2) - '0';
    }

    @Setup(Level.Trial)
    public void setUp() {
        Threads.useSingleThread();
        int n = group(model);
        flow = SpectralFlow.create(SpectralFlow.Config.defaults(n, 3, "su" + n + ":boyda2"));
        flow.useEngine(Engine.valueOf(path.toUpperCase(java.util.Locale.ROOT)));
        haar = new HaarData(n, 1).batch(0, batch);
        points = new HaarData(n, 2).batch(0, batch);
    }

    /** Appends the fork's peak resident memory to the file named by {@link FlowBenchmark#MEMORY_FILE_PROPERTY}. */
    @TearDown(Level.Trial)
    public void recordPeakMemory(BenchmarkParams params) throws java.io.IOException {
        FiniteFlowBenchmark.recordPeakMemory(params, model, batch, path);
    }

    /**
     * A training update's work: the reverse-KL loss and every weight gradient at fixed weights (Adam's update of the
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
