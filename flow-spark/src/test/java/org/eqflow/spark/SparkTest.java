package org.eqflow.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.eqflow.core.Engine;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.train.TrainingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training, scoring and sampling on a {@code local[2]} master, each held to the single-process computation it
 * distributes: data-parallel steps leave the weights and multipliers of single-process steps on the same batches (float64,
 * 1e-9), scores equal the model's own estimates chunk by chunk, draws equal the model's own draws.
 */
class SparkTest {
    private static SparkSession spark;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("eqflow-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").config("spark.driver.host", "127.0.0.1").getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<double[]> ring(int n, long seed) {
        java.util.SplittableRandom r = Noise.stream(seed, 0, Noise.Purpose.DATA);
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * r.nextDouble();
            double radius = 2 + 0.2 * r.nextGaussian();
            out.add(new double[] {radius * Math.cos(a), radius * Math.sin(a)});
        }
        return out;
    }

    /** Rows [x | c] of a conditional model: the context the point's radius, and its index mod 3 for a second column. */
    static List<double[]> withContext(List<double[]> points, int k) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            double[] x = points.get(i);
            double[] row = java.util.Arrays.copyOf(x, x.length + k);
            for (int j = 0; j < k; j++) {
                row[x.length + j] = j == 0 ? Math.hypot(x[0], x[1]) - 2 : i % 3;
            }
            out.add(row);
        }
        return out;
    }

    /** A conditional model's rows [x | c] are scored as the model scores them; sampling it on the cluster is refused. */
    @Test
    void aConditionalModelIsScoredOnItsRowsWithTheirContext() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").contextSize(2)
                .hidden(8).seed(3).build());
        List<double[]> points = withContext(ring(20, 5), 2);
        StructType schema = new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.DoubleType)
                .add("c", DataTypes.DoubleType).add("e", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (double[] p : points) {
            rows.add(RowFactory.create(p[0], p[1], p[2], p[3]));
        }
        ModelBroadcast shipped = ModelBroadcast.of(model, LoadOptions.defaults());
        assertEquals(4, shipped.rowWidth());
        List<Row> scored = SparkScoring.score(spark.createDataFrame(rows, schema).repartition(1), List.of("a", "b", "c", "e"), shipped,
                new SparkScoring.Settings(16, 11, 64)).collectAsList();
        Iwae.Estimate[] e = model.logDensity(Nd4j.create(points.toArray(new double[0][])).castTo(DataType.DOUBLE), 16,
                SparkScoring.chunkSeed(11, 0, 0));
        for (int i = 0; i < points.size(); i++) {
            assertEquals(e[i].logDensity(), scored.get(i).getDouble(4), 1e-12);
        }
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SparkSampling.sample(sc, shipped, 10, 2, 1));
        assertTrue(refused.getMessage().contains("eqflow sample --context"), refused.getMessage());
        IllegalArgumentException narrow = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SparkScoring.score(spark.createDataFrame(rows, schema), List.of("a", "b"), shipped, new SparkScoring.Settings(16, 11, 64)));
        assertTrue(narrow.getMessage().contains("4 columns (2 coordinates, then the context)"), narrow.getMessage());
    }

    @Test
    void dataParallelTrainingEqualsSingleProcessTrainingOnTheSameBatches() {
        for (FlowConfig config : List.of(
                FlowConfig.builder(2).symmetry("so2").hidden(8).leapfrogSteps(2).initialMultiplier(1.5).float64().seed(4).build(),
                FlowConfig.builder(2).symmetry("so2").constraint(FlowConfig.Constraint.HARD).trainingSamples(2).hidden(8)
                        .leapfrogSteps(2).float64().seed(5).scale(1.5).build(),
                FlowConfig.builder(2).symmetry("so2").contextSize(1).contextScaling(List.of(0.5), List.of(2.0)).hidden(8)
                        .leapfrogSteps(2).initialMultiplier(1.5).float64().seed(6).build())) {
            EquivariantHamiltonianFlow distributed = EquivariantHamiltonianFlow.create(config);
            EquivariantHamiltonianFlow single = EquivariantHamiltonianFlow.create(config);
            // four partitions of 30, 90, 30 and no rows: shares 3, 10, 3 and 0 of a batch of 16
            List<double[]> points = withContext(ring(150, 1), config.contextSize());
            JavaRDD<double[]> data = sc.parallelize(points.subList(0, 30), 1).union(sc.parallelize(points.subList(30, 120), 1))
                    .union(sc.parallelize(points.subList(120, 150), 1)).union(sc.parallelize(List.<double[]>of(), 1));
            SparkTrainer.Options options = new SparkTrainer.Options(5, 16, TrainingOptions.Schedule.COSINE, 9, 0, 2, null, 0);
            try (SparkTrainer trainer = new SparkTrainer(data, distributed, LoadOptions.defaults(), options)) {
                assertArrayEquals(new long[] {3, 10, 3, 0}, trainer.shares());
                for (int t = 0; t < 5; t++) {
                    INDArray batch = trainer.batch(t);
                    single.setLearningRateScale(TrainingOptions.Schedule.COSINE.scale(t, 5));
                    var a = single.trainStep(batch);
                    var b = trainer.step();
                    assertEquals(a.loss(), b.loss(), 1e-10 * Math.abs(a.loss()), "loss at step " + t);
                }
            }
            assertEquals(5, distributed.iteration());
            for (Map.Entry<String, INDArray> e : single.parameters().entrySet()) {
                double diff = e.getValue().sub(distributed.parameters().get(e.getKey())).amaxNumber().doubleValue();
                assertTrue(diff <= 1e-9, config.constraint() + ": " + e.getKey() + " differs by " + diff);
            }
            assertArrayEquals(single.multipliers(), distributed.multipliers(), 1e-9);
        }
    }

    @Test
    void theBatchSplitsInProportionToThePartitionsRows() {
        assertArrayEquals(new long[] {5, 3, 8}, SparkTrainer.apportion(16, new long[] {50, 25, 75}));
        assertArrayEquals(new long[] {0, 4, 0}, SparkTrainer.apportion(4, new long[] {0, 9, 0}));
        assertEquals(1000, java.util.Arrays.stream(SparkTrainer.apportion(1000, new long[] {1, 2, 3, 5, 7, 11})).sum());
    }

    @Test
    void aRowWithANonFiniteValueIsRefusedBeforeTraining() {
        List<double[]> rows = new ArrayList<>(ring(20, 2));
        rows.add(new double[] {1.0, Double.NaN});
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).float64().build());
        Exception e = assertThrows(Exception.class, () -> new SparkTrainer(sc.parallelize(rows, 2), m, LoadOptions.defaults(),
                SparkTrainer.Options.of(1, 4, 0)));
        assertTrue(rootMessage(e).contains("non-finite value (NaN) in column 1"), rootMessage(e));
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    @Test
    void scoresEqualTheModelsOwnEstimatesChunkByChunk() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").hidden(8).seed(2).build());
        List<double[]> points = ring(37, 3);
        StructType schema = new StructType().add("id", DataTypes.LongType).add("a", DataTypes.DoubleType, true)
                .add("b", DataTypes.DoubleType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            rows.add(RowFactory.create((long) i, points.get(i)[0], i == 5 ? null : points.get(i)[1]));
        }
        SparkScoring.Settings settings = new SparkScoring.Settings(16, 11, 8);
        Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(1);
        List<Row> scored = SparkScoring.score(data, List.of("a", "b"), ModelBroadcast.of(model, LoadOptions.defaults()), settings)
                .collectAsList();
        assertEquals(37, scored.size());
        // partition 0 in chunks of 8 rows; row 5 (missing b) is left out of its chunk and gets null
        for (int c = 0; c * 8 < 37; c++) {
            List<double[]> chunk = new ArrayList<>();
            List<Integer> index = new ArrayList<>();
            for (int i = c * 8; i < Math.min(37, c * 8 + 8); i++) {
                if (i != 5) {
                    chunk.add(points.get(i));
                    index.add(i);
                }
            }
            Iwae.Estimate[] e = model.logDensity(Nd4j.create(chunk.toArray(new double[0][])).castTo(DataType.DOUBLE), 16,
                    SparkScoring.chunkSeed(11, 0, c));
            for (int k = 0; k < index.size(); k++) {
                Row r = scored.get(index.get(k));
                assertEquals((long) index.get(k), r.getLong(0));
                assertEquals(e[k].logDensity(), r.getDouble(3), 1e-12);
                assertEquals(e[k].standardError(), r.getDouble(4), 1e-12);
            }
        }
        assertTrue(scored.get(5).isNullAt(3) && scored.get(5).isNullAt(4), "a row with a missing coordinate gets null");
    }

    @Test
    void scoringRefusesTextColumnsAndAnExistingOutputColumn() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).build());
        ModelBroadcast shipped = ModelBroadcast.of(model, LoadOptions.defaults());
        StructType schema = new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.StringType)
                .add("log_p", DataTypes.DoubleType);
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create(1.0, "x", 0.0)), schema);
        var e = assertThrows(IllegalArgumentException.class, () -> SparkScoring.score(data, List.of("a", "b"), shipped,
                SparkScoring.Settings.defaults()));
        assertTrue(e.getMessage().contains("column 'b' holds string, not numbers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkScoring.score(data, List.of("a", "log_p"), shipped,
                SparkScoring.Settings.defaults()));
        assertTrue(e.getMessage().contains("already have a column 'log_p'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkScoring.score(data, List.of("a", "c"), shipped,
                SparkScoring.Settings.defaults()));
        assertTrue(e.getMessage().contains("no column 'c'"), e.getMessage());
    }

    @Test
    void theRddScorerGivesTheSameNumbers() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").hidden(8).seed(6).build());
        List<double[]> points = ring(10, 4);
        List<double[]> scored = SparkScoring.score(sc.parallelize(points, 1), ModelBroadcast.of(model, LoadOptions.defaults()),
                new SparkScoring.Settings(8, 3, 100)).collect();
        Iwae.Estimate[] e = model.logDensity(Nd4j.create(points.toArray(new double[0][])), 8, SparkScoring.chunkSeed(3, 0, 0));
        for (int i = 0; i < points.size(); i++) {
            assertEquals(e[i].logDensity(), scored.get(i)[0], 1e-12);
        }
    }

    @Test
    void anotherFamilyIsScoredAndSampledToo() {
        var flow = org.eqflow.core.finite.FiniteFlow.create(org.eqflow.core.finite.FiniteFlowConfig.builder(
                org.eqflow.core.finite.FiniteFlowConfig.Kind.RESIDUAL, 2).blocks(2).hidden(8).seed(1).build());
        ModelBroadcast shipped = ModelBroadcast.of(flow, LoadOptions.defaults());
        List<double[]> points = ring(6, 5);
        List<double[]> scored = SparkScoring.score(sc.parallelize(points, 1), shipped, new SparkScoring.Settings(4, 2, 100)).collect();
        Iwae.Estimate[] e = flow.logDensity(Nd4j.create(points.toArray(new double[0][])), 4, SparkScoring.chunkSeed(2, 0, 0));
        for (int i = 0; i < points.size(); i++) {
            assertEquals(e[i].logDensity(), scored.get(i)[0], 1e-9);
        }
        assertEquals(7, SparkSampling.sample(sc, shipped, 7, 2, 1).count());
    }

    @Test
    void drawsEqualTheModelsOwnDrawsPartitionByPartition() {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").hidden(8).seed(7).build());
        List<double[]> draws = SparkSampling.sample(sc, ModelBroadcast.of(model, LoadOptions.defaults()), 11, 3, 5).collect();
        assertEquals(11, draws.size());
        int at = 0;
        for (int i = 0; i < 3; i++) {
            int n = (int) SparkSampling.share(11, 3, i);
            double[] own = model.sample(n, SparkSampling.chunkSeed(5, i, 0)).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int r = 0; r < n; r++) {
                assertArrayEquals(new double[] {own[2 * r], own[2 * r + 1]}, draws.get(at++), 1e-12);
            }
        }
        Dataset<Row> df = SparkSampling.sample(spark, ModelBroadcast.of(model, LoadOptions.defaults()), 11, 3, 5);
        assertEquals(List.of("x0", "x1"), List.of(df.columns()));
        assertEquals(draws.get(4)[1], df.collectAsList().get(4).getDouble(1), 1e-12);
    }

    @Test
    void aModelFileNamingAClassIsRefusedUnlessAllowed(@TempDir Path dir) throws Exception {
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(FlowConfig.builder(4)
                .symmetry("class:org.eqflow.spark.TestRotation").hidden(4).build());
        Path file = dir.resolve("m.zip");
        org.eqflow.core.io.ModelFile.save(model, file, false);
        Exception e = assertThrows(Exception.class, () -> ModelBroadcast.read(file, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("--allow-class"), e.getMessage());
        ModelBroadcast ok = ModelBroadcast.read(file, LoadOptions.allowClasses("org.eqflow.spark.TestRotation"));
        assertEquals(4, ok.dimension());
        assertTrue(Files.size(file) == ok.bytes());
    }
}
