package org.eqflow.examples.bench;

import java.util.concurrent.TimeUnit;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.Threads;
import org.eqflow.core.TrainStep;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.buffer.DataType;
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

/**
 * JMH benchmarks of the model's three workloads, one thread: a full training step (ELBO + so(d) penalty
 * with all d(d−1)/2 generators + Adam), sampling {@code batch} points, and IWAE log-densities of
 * {@code batch / 16} points with M = 256 importance samples each ({@code 16·batch} rows).
 * Run through {@code eqflow bench}, which sets the parameters and reports throughputs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FlowBenchmark {
    /** Importance samples of the log-density workload. */
    public static final int LOGPROB_SAMPLES = 256;

    @Param({"2"})
    public int d;

    @Param({"256"})
    public int batch;

    @Param({"2"})
    public int steps;

    @Param({"FLOAT32"})
    public String precision;

    private EquivariantHamiltonianFlow model;
    private INDArray x;
    private INDArray few;

    @Setup(Level.Trial)
    public void setUp() {
        Threads.useSingleThread();
        model = EquivariantHamiltonianFlow.create(config(d, steps, FlowConfig.Precision.valueOf(precision)));
        DataType dt = model.dataType();
        x = Noise.gaussian(Noise.stream(1, 0, Noise.Purpose.DATA), batch, d, dt);
        few = Noise.gaussian(Noise.stream(2, 0, Noise.Purpose.DATA), Math.max(1, batch / 16), d, dt);
    }

    /** The benchmarked model: the paper's sizes, so(d) on all coordinates (none for d = 1). */
    public static FlowConfig config(int d, int steps, FlowConfig.Precision precision) {
        FlowConfig.Builder b = FlowConfig.builder(d).hidden(128).leapfrogSteps(steps).precision(precision).seed(3);
        if (d >= 2) {
            b.symmetry("so" + d);
        }
        return b.build();
    }

    @Benchmark
    public TrainStep trainStep() {
        return model.trainStep(x);
    }

    @Benchmark
    public INDArray sample() {
        return model.sample(batch, 5);
    }

    @Benchmark
    public Iwae.Estimate[] logprob() {
        return model.logDensity(few, LOGPROB_SAMPLES, 5);
    }
}
