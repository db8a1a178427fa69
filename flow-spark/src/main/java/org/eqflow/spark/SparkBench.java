package org.eqflow.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.Threads;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.train.TrainingOptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eqflow-spark bench}: what data parallelism buys on the master given, against the same work in one process on
 * the driver. Data: ring points (R = 2, σ = 0.2) written to Parquet and read back (file partitions, as a user's data
 * arrive); model: the library's defaults with {@code so2}. Training: milliseconds per step at each batch size; scoring:
 * rows per second with the default 256 importance samples. Prints one table (Markdown) to standard output.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time data-parallel training steps and distributed scoring against one process (a Markdown table).")
final class SparkBench implements Callable<Integer> {
    private static final int WARM_UP = 5;
    @CommandLine.Mixin
    EqflowSpark.Common common = new EqflowSpark.Common();

    @Option(names = "--batch-sizes", split = ",", paramLabel = "B", defaultValue = "256,1024,4096",
            description = "training batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "timed steps per batch size, after 5 untimed and one untimed round at the first size (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--score-rows", paramLabel = "N", defaultValue = "20000", description = "rows scored (default ${DEFAULT-VALUE})")
    int scoreRows;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "100000", description = "training rows (default ${DEFAULT-VALUE})")
    int rows;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Threads.useSingleThread();
        SparkSession spark = common.session("eqflow-spark bench");
        int cores = spark.sparkContext().defaultParallelism();
        Path dir = Files.createTempDirectory("eqflow-bench");
        try {
            Dataset<Row> ring = ring(spark, rows, cores);
            String parquet = dir.resolve("ring.parquet").toString();
            ring.write().parquet(parquet);
            Dataset<Row> data = spark.read().parquet(parquet);
            JavaRDD<double[]> points = EqflowSpark.points(data, List.of("x0", "x1"));
            if (points.getNumPartitions() != cores) {
                points = points.repartition(cores);
            }
            FlowConfig config = FlowConfig.builder(2).symmetry("so2").build();
            var out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "master %s (%d cores), %d rows in %d partitions; model: defaults with so2 (%s, K = %d)%n%n",
                    spark.sparkContext().master(), cores, rows, points.getNumPartitions(), config.precision().name().toLowerCase(Locale.ROOT),
                    config.trainingSamples());
            out.println("| work | one process (driver) | Spark | speed-up |");
            out.println("|---|---|---|---|");
            List<double[]> local = points.take(Math.max(scoreRows, batchSizes.stream().mapToInt(Integer::intValue).max().orElse(1)));
            List<String> phases = new ArrayList<>();
            singleStep(config, local, batchSizes.get(0));  // warm-up: the kernels compiled before anything is timed
            sparkStep(config, points, batchSizes.get(0));
            for (int b : batchSizes) {
                double single = singleStep(config, local, b);
                SparkTrainer.Timings t = sparkStep(config, points, b);
                double[] ms = t.millisPerStep();
                double spread = ms[0] + ms[1] + ms[2];
                out.printf(Locale.ROOT, "| training step, B = %d | %.1f ms | %.1f ms | %.2f× |%n", b, single, spread, single / spread);
                out.flush();
                phases.add(String.format(Locale.ROOT, "| %d | %.1f ms | %.1f ms | %.1f ms |", b, ms[0], ms[1], ms[2]));
            }
            double[] score = score(spark, config, data.limit(scoreRows).repartition(cores), local.subList(0, scoreRows));
            out.printf(Locale.ROOT, "| scoring %d rows, 256 samples | %.0f rows/s | %.0f rows/s | %.2f× |%n", scoreRows, score[0], score[1],
                    score[1] / score[0]);
            out.println();
            out.printf(Locale.ROOT, "An empty job on the same partitions (Spark's fixed cost per step): %.1f ms%n%n", emptyJob(points));
            out.println("| B | driver: send weights | job: slices + tree aggregation | driver: Adam update |");
            out.println("|---|---|---|---|");
            phases.forEach(out::println);
            out.flush();
            return 0;
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Dataset<Row> ring(SparkSession spark, int n, int partitions) {
        SplittableRandom r = Noise.stream(1, 0, Noise.Purpose.DATA);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * r.nextDouble();
            double radius = 2 + 0.2 * r.nextGaussian();
            rows.add(RowFactory.create(radius * Math.cos(a), radius * Math.sin(a)));
        }
        StructType schema = new StructType().add("x0", DataTypes.DoubleType).add("x1", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    private double singleStep(FlowConfig config, List<double[]> local, int b) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config);
        double[][] rows = new double[b][];
        for (int r = 0; r < b; r++) {
            rows[r] = local.get(r % local.size());  // the first b rows (repeated if --rows is smaller)
        }
        INDArray x = Nd4j.create(rows);
        for (int i = 0; i < WARM_UP; i++) {
            m.trainStep(x);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            m.trainStep(x);
        }
        return (System.nanoTime() - t0) / 1e6 / steps;
    }

    private SparkTrainer.Timings sparkStep(FlowConfig config, JavaRDD<double[]> points, int b) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config);
        SparkTrainer.Options o = new SparkTrainer.Options(Long.MAX_VALUE, b, TrainingOptions.Schedule.CONSTANT, 0, 0, 2, null, 0);
        try (SparkTrainer t = new SparkTrainer(points, m, LoadOptions.defaults(), o)) {
            for (int i = 0; i < WARM_UP; i++) {
                t.step();
            }
            t.resetTimings();
            for (int i = 0; i < steps; i++) {
                t.step();
            }
            return t.timings();
        }
    }

    /** Milliseconds per job that reads every partition and returns nothing. */
    private double emptyJob(JavaRDD<double[]> points) {
        JavaRDD<double[]> cached = points.cache();
        cached.count();
        for (int i = 0; i < WARM_UP; i++) {
            cached.foreachPartition(it -> it.forEachRemaining(x -> { }));
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            cached.foreachPartition(it -> it.forEachRemaining(x -> { }));
        }
        double ms = (System.nanoTime() - t0) / 1e6 / steps;
        cached.unpersist();
        return ms;
    }

    /** Rows per second: {one process, Spark}. */
    private static double[] score(SparkSession spark, FlowConfig config, Dataset<Row> rows, List<double[]> local) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config);
        SparkScoring.Settings s = SparkScoring.Settings.defaults();
        rows = rows.cache();
        rows.count();
        long t0 = System.nanoTime();
        for (int at = 0; at < local.size(); at += s.chunkRows()) {
            INDArray chunk = Nd4j.create(local.subList(at, Math.min(local.size(), at + s.chunkRows())).toArray(new double[0][]))
                    .castTo(DataType.DOUBLE);
            m.logDensity(chunk, s.samples(), at);
        }
        double single = local.size() / ((System.nanoTime() - t0) / 1e9);
        ModelBroadcast shipped = ModelBroadcast.of(m, LoadOptions.defaults());
        SparkScoring.score(rows.limit(64), List.of("x0", "x1"), shipped, s).write().format("noop").mode("overwrite").save();  // load the copies
        t0 = System.nanoTime();
        SparkScoring.score(rows, List.of("x0", "x1"), shipped, s).write().format("noop").mode("overwrite").save();
        double spread = local.size() / ((System.nanoTime() - t0) / 1e9);
        rows.unpersist();
        return new double[] {single, spread};
    }
}
