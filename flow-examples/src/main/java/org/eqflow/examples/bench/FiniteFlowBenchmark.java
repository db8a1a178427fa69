package org.eqflow.examples.bench;

import java.util.concurrent.TimeUnit;
import org.eqflow.core.Engine;
import org.eqflow.core.Noise;
import org.eqflow.core.Threads;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.finite.FiniteFlowConfig;
import org.eqflow.core.model.TrainStep;
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
 * JMH benchmarks of the finite flows at their default sizes, one thread: a training step (exact log-likelihood
 * and its gradient, Adam, and the residual flow's spectral projection), sampling {@code batch} points (the
 * inverse), and exact log-densities of {@code batch} points. Run through {@code eqflow bench --finite}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FiniteFlowBenchmark {
    /** {@code family:group:d}, e.g. {@code residual:c8:2}, {@code residual:perm:4x2:8} or {@code coupling:o2:8}. */
    @Param({"residual:c8:2"})
    public String model;

    @Param({"128"})
    public int batch;

    /** {@code auto} (the family's hand-derived kernel) or {@code graph}. */
    @Param({"auto"})
    public String path;

    private FiniteFlow flow;
    private INDArray x;

    /** The configuration a {@link #model} string names, at the library's defaults. */
    public static FiniteFlowConfig config(String model) {
        int first = model.indexOf(':');
        int last = model.lastIndexOf(':');
        if (first < 0 || first == last) {
            throw new IllegalArgumentException("--finite: '" + model + "' is not FAMILY:GROUP:D (e.g. residual:c8:2, coupling:o2:8)");
        }
        String family = model.substring(0, first);
        FiniteFlowConfig.Kind kind = java.util.Arrays.stream(FiniteFlowConfig.Kind.values())
                .filter(k -> k.name().equalsIgnoreCase(family)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--finite: '" + family + "' is not a finite flow family; use residual or coupling"));
        int d;
        try {
            d = Integer.parseInt(model.substring(last + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--finite: '" + model.substring(last + 1) + "' in '" + model + "' is not a dimension");
        }
        return FiniteFlowConfig.builder(kind, d).group(model.substring(first + 1, last)).seed(3).build();
    }

    @Setup(Level.Trial)
    public void setUp() {
        Threads.useSingleThread();
        flow = FiniteFlow.create(config(model));
        flow.useEngine(Engine.valueOf(path.toUpperCase(java.util.Locale.ROOT)));
        x = Noise.gaussian(Noise.stream(1, 0, Noise.Purpose.DATA), batch, flow.dimension(), flow.dataType());
    }

    /** Appends the fork's peak resident memory to the file named by {@link FlowBenchmark#MEMORY_FILE_PROPERTY}. */
    @TearDown(Level.Trial)
    public void recordPeakMemory(BenchmarkParams params) throws java.io.IOException {
        recordPeakMemory(params, model, batch, path);
    }

    /**
     * Appends a fork's peak resident memory under its configuration's key (for this family's and the SU(n) flow's
     * benchmarks), if {@link FlowBenchmark#MEMORY_FILE_PROPERTY} names a file.
     */
    static void recordPeakMemory(BenchmarkParams params, String model, int batch, String path) throws java.io.IOException {
        String file = System.getProperty(FlowBenchmark.MEMORY_FILE_PROPERTY);
        if (file == null) {
            return;
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        java.nio.file.Files.writeString(java.nio.file.Path.of(file), memoryKey(method, model, batch, path) + ","
                + FlowBenchmark.peakResidentMib() + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    /** The configuration's key in the peak-memory file. */
    public static String memoryKey(String workload, String model, int batch, String path) {
        return String.join(";", workload, model, Integer.toString(batch), path);
    }

    @Benchmark
    public TrainStep trainStep() {
        return flow.trainStep(x);
    }

    @Benchmark
    public INDArray sample() {
        return flow.sample(batch, 5);
    }

    @Benchmark
    public double[] logprob() {
        return flow.exactLogDensity(x);
    }
}
