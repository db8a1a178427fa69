package org.eqflow.examples.bench;

import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.Threads;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.buffer.DataType;
import org.eqflow.dl4j.EquivariantDensityLayer;
import org.eqflow.dl4j.FlowNoise;
import org.eqflow.dl4j.MultiplierListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
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
 * JMH benchmarks of the model's workloads, one thread: a full training step (ELBO + so(d) penalty
 * with all d(d−1)/2 generators + Adam), the same step as a DL4J {@code fit} of the density layer (with and
 * without its multiplier rule), sampling {@code batch} points, and IWAE log-densities of
 * {@code batch / 16} points with M = 256 importance samples each ({@code 16·batch} rows).
 * Run through {@code eqflow bench}, which sets the parameters and reports throughputs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FlowBenchmark {
    /** Importance samples of the log-density workload. */
    public static final int LOGPROB_SAMPLES = 256;
    /** System property: the file that {@link #recordPeakMemory} appends to. */
    public static final String MEMORY_FILE_PROPERTY = "eqflow.bench.memory";

    @Param({"2"})
    public int d;

    @Param({"256"})
    public int batch;

    @Param({"2"})
    public int steps;

    @Param({"FLOAT32"})
    public String precision;

    /** How the training step computes its gradients: {@code fused} (the default path) or {@code graph} (SameDiff). */
    @Param({"fused"})
    public String path;

    /** Cores for the fused path (batch shards); 1 is the single-thread comparison. */
    @Param({"1"})
    public int threads;

    /** How so(d) is imposed: {@code soft} (the penalty) or {@code hard} (radial energies). */
    @Param({"soft"})
    public String constraint;

    private EquivariantHamiltonianFlow model;
    private INDArray x;
    private INDArray few;
    /** The same model as a DL4J density layer, with and without its multiplier rule (layerFit workloads). */
    private MultiLayerNetwork layerNet;
    private MultiLayerNetwork bareNet;
    private FlowNoise noise;

    @Setup(Level.Trial)
    public void setUp() {
        Threads.useSingleThread();
        model = EquivariantHamiltonianFlow.create(config(d, steps, FlowConfig.Precision.valueOf(precision), constraint));
        model.useFusedPath(path.equals("fused"));
        model.setThreads(threads);
        DataType dt = model.dataType();
        x = Noise.gaussian(Noise.stream(1, 0, Noise.Purpose.DATA), batch, d, dt);
        few = Noise.gaussian(Noise.stream(2, 0, Noise.Purpose.DATA), Math.max(1, batch / 16), d, dt);
        if (path.equals("graph")) {
            System.setProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY, "false");   // read when the layer's twin is built
        }
        layerNet = layerNetwork(dt, true);
        bareNet = layerNetwork(dt, false);
        noise = new FlowNoise(layerNet, 4);
        layerFit();
        layerFitNoRule();
        System.clearProperty(EquivariantHamiltonianFlow.FUSED_PROPERTY);
    }

    /** The benchmarked model as the only layer of a DL4J network (Adam, as trainStep), with or without its multiplier rule. */
    private MultiLayerNetwork layerNetwork(DataType dt, boolean rule) {
        FlowConfig c = config(d, steps, FlowConfig.Precision.valueOf(precision), constraint);
        EquivariantDensityLayer.Builder b = EquivariantDensityLayer.builder().nIn(d).hidden(c.hidden()).leapfrogSteps(c.leapfrogSteps())
                .separateHamiltonians(c.separateHamiltonians()).penaltySites("base").seed(c.seed());
        c.symmetries().forEach(b::symmetry);
        if (d >= 2) {
            b.constraint(constraint);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(dt)
                .updater(new Adam(c.learningRate())).list().layer(b.build()).build());
        net.init();
        if (rule) {
            net.setListeners(new MultiplierListener());
        }
        return net;
    }

    /**
     * The benchmarked model: the paper's sizes, so(d) on all coordinates (none for d = 1), soft or hard;
     * one shared Hamiltonian, the penalty at base samples and the ELBO (a batch of B rows is B points), as
     * docs/benchmarks.md measured it (the
     * library's defaults changed since: docs/results.md).
     */
    public static FlowConfig config(int d, int steps, FlowConfig.Precision precision, String constraint) {
        FlowConfig.Builder b = FlowConfig.builder(d).hidden(128).leapfrogSteps(steps).precision(precision).seed(3)
                .separateHamiltonians(false).penaltySites(FlowConfig.PenaltySites.BASE).trainingSamples(1);
        if (d >= 2) {
            b.symmetry("so" + d).constraint(FlowConfig.Constraint.valueOf(constraint.toUpperCase(java.util.Locale.ROOT)));
        }
        return b.build();
    }

    /**
     * Writes the fork's peak resident memory (VmHWM: heap, ND4J's native buffers and the JVM itself) to
     * the file named by the system property {@code eqflow.bench.memory}, one line per trial.
     */
    @TearDown(Level.Trial)
    public void recordPeakMemory(BenchmarkParams params) throws java.io.IOException {
        String file = System.getProperty(MEMORY_FILE_PROPERTY);
        if (file == null) {
            return;
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        String line = memoryKey(method, precision, d, batch, steps, path, threads, constraint) + "," + peakResidentMib() + "\n";
        java.nio.file.Files.writeString(java.nio.file.Path.of(file), line, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** This process's peak resident memory in MiB (VmHWM: heap, ND4J's native buffers and the JVM itself). */
    static long peakResidentMib() throws java.io.IOException {
        String hwm = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("VmHWM: 0 kB");
        return Long.parseLong(hwm.replaceAll("[^0-9]", "")) / 1024;
    }

    /** The configuration's key in the peak-memory file: its JMH parameters, comma-separated. */
    public static String memoryKey(String workload, String precision, int d, int batch, int steps, String path, int threads,
                                   String constraint) {
        return String.join(",", workload, precision, Integer.toString(d), Integer.toString(batch), Integer.toString(steps),
                path, Integer.toString(threads), constraint);
    }

    @Benchmark
    public TrainStep trainStep() {
        return model.trainStep(x);
    }

    /** One DL4J {@code fit} of the density layer on the same batch, fresh noise (FlowNoise), multiplier rule attached. */
    @Benchmark
    public MultiLayerNetwork layerFit() {
        return fit(layerNet);
    }

    /** {@link #layerFit} without the multiplier rule: the difference is the rule's cost. */
    @Benchmark
    public MultiLayerNetwork layerFitNoRule() {
        return fit(bareNet);
    }

    private MultiLayerNetwork fit(MultiLayerNetwork net) {
        DataSet ds = new DataSet(x, null);
        noise.preProcess(ds);
        net.fit(ds);
        return net;
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
