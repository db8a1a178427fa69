package org.eqflow.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.eqflow.core.Noise;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Distributed scoring: the importance-weighted estimate of {@code log p(x)} and its standard error for every row of a
 * DataFrame or an RDD, the model broadcast once to each executor. A partition is scored in chunks of
 * {@link Settings#chunkRows()} rows as its rows stream past, so an executor holds one chunk's importance samples
 * ({@code chunkRows × samples × d} numbers), whatever the partition's size.
 *
 * <p>The estimates are seeded per chunk by {@link #chunkSeed}{@code (seed, partition, chunk)}: the same data in the same
 * partitions give the same numbers. A row with a missing or non-finite coordinate, or whose estimate is not finite,
 * gets null (never a non-finite number).
 */
public final class SparkScoring {
    /** The column of the estimate of {@code log p}. */
    public static final String LOG_P = "log_p";
    /** The column of its Monte Carlo standard error. */
    public static final String STANDARD_ERROR = "log_p_se";

    private SparkScoring() {
    }

    /**
     * How to score.
     *
     * @param samples   importance samples per row (the command line's default: 256)
     * @param seed      the seed of the chunks' streams
     * @param chunkRows rows scored together (memory per executor thread: about {@code chunkRows × samples × d × 8} bytes
     *                  several times over)
     */
    public record Settings(int samples, long seed, int chunkRows) implements java.io.Serializable {
        public Settings {
            if (samples < 1 || chunkRows < 1) {
                throw new IllegalArgumentException("samples and chunk rows must be >= 1, got " + samples + " and " + chunkRows);
            }
        }

        /** 256 importance samples, seed 0, chunks of 1,024 rows. */
        public static Settings defaults() {
            return new Settings(256, 0, 1024);
        }
    }

    /** The seed of chunk {@code chunk} of partition {@code partition}. */
    public static long chunkSeed(long seed, int partition, long chunk) {
        return Noise.stream(seed, ((long) partition << 40) ^ chunk, Noise.Purpose.EVALUATION).nextLong();
    }

    /**
     * The rows of {@code data} with two columns added, {@value #LOG_P} and {@value #STANDARD_ERROR} (doubles, null where
     * a coordinate is missing or not finite).
     *
     * @param columns the model's coordinates, in order (numeric columns of {@code data})
     * @throws IllegalArgumentException if a column is missing or not numeric, their number is not the model's
     *         dimension, or the output columns exist already
     */
    public static Dataset<Row> score(Dataset<Row> data, List<String> columns, ModelBroadcast model, Settings settings) {
        StructType schema = data.schema();
        int d = model.rowWidth();
        if (columns.size() != d) {
            throw new IllegalArgumentException("the model's rows have " + d + " columns" + (d == model.dimension() ? ""
                    : " (" + model.dimension() + " coordinates, then the context)") + " but " + columns.size() + " columns were given: "
                    + columns);
        }
        int[] at = new int[d];
        for (int j = 0; j < d; j++) {
            String c = columns.get(j);
            if (!List.of(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("no column '" + c + "' in the data (columns: " + String.join(", ", schema.fieldNames()) + ")");
            }
            StructField f = schema.apply(c);
            if (!(f.dataType() instanceof NumericType)) {
                throw new IllegalArgumentException("column '" + c + "' holds " + f.dataType().simpleString() + ", not numbers: read CSV "
                        + "files with inferSchema (or cast the column), and check it for text");
            }
            at[j] = schema.fieldIndex(c);
        }
        for (String out : List.of(LOG_P, STANDARD_ERROR)) {
            if (List.of(schema.fieldNames()).contains(out)) {
                throw new IllegalArgumentException("the data already have a column '" + out + "': rename or drop it before scoring");
            }
        }
        StructType outSchema = schema.add(LOG_P, DataTypes.DoubleType, true).add(STANDARD_ERROR, DataTypes.DoubleType, true);
        Broadcast<ModelBroadcast> shipped = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext()).broadcast(model);
        MapPartitionsFunction<Row, Row> f = rows -> {
            java.util.ArrayDeque<Row> pending = new java.util.ArrayDeque<>();  // read, not yet written: a chunk at most
            Iterator<double[]> points = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public double[] next() {
                    Row r = rows.next();
                    pending.add(r);
                    return coordinates(r, at);
                }
            };
            Iterator<Iwae.Estimate> estimates = estimates(points, shipped.value(), settings, TaskContext.getPartitionId());
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return estimates.hasNext();
                }

                @Override
                public Row next() {
                    Iwae.Estimate e = estimates.next();
                    Row r = pending.removeFirst();
                    Object[] v = new Object[r.size() + 2];
                    for (int i = 0; i < r.size(); i++) {
                        v[i] = r.get(i);
                    }
                    v[r.size()] = e == null ? null : e.logDensity();
                    v[r.size() + 1] = e == null ? null : e.standardError();
                    return RowFactory.create(v);
                }
            };
        };
        return data.mapPartitions(f, Encoders.row(outSchema));
    }

    /**
     * {@code {log p, standard error}} for every row of {@code data} ({@code d} numbers each); {@code null} where a
     * coordinate is not finite or the estimate is not.
     */
    public static JavaRDD<double[]> score(JavaRDD<double[]> data, ModelBroadcast model, Settings settings) {
        Broadcast<ModelBroadcast> shipped = JavaSparkContext.fromSparkContext(data.context()).broadcast(model);
        return data.mapPartitionsWithIndex((i, rows) -> {
            Iterator<Iwae.Estimate> e = estimates(rows, shipped.value(), settings, i);
            return new Iterator<double[]>() {
                @Override
                public boolean hasNext() {
                    return e.hasNext();
                }

                @Override
                public double[] next() {
                    Iwae.Estimate x = e.next();
                    return x == null ? null : new double[] {x.logDensity(), x.standardError()};
                }
            };
        }, true);
    }

    private static double[] coordinates(Row r, int[] at) {
        double[] x = new double[at.length];
        for (int j = 0; j < at.length; j++) {
            Object v = r.get(at[j]);
            x[j] = v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return x;
    }

    /**
     * The estimates of a partition's points, chunk by chunk as they are read ({@code null} for a point with a
     * non-finite coordinate, or whose estimate is not finite).
     */
    static Iterator<Iwae.Estimate> estimates(Iterator<double[]> points, ModelBroadcast shipped, Settings s, int partition) {
        return new Iterator<>() {
            private final List<Iwae.Estimate> ready = new ArrayList<>();
            private int next;
            private long chunk;
            private DensityModel model;

            @Override
            public boolean hasNext() {
                return next < ready.size() || points.hasNext();
            }

            @Override
            public Iwae.Estimate next() {
                if (next == ready.size()) {
                    if (!points.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    fill();
                }
                return ready.get(next++);
            }

            private void fill() {
                if (model == null) {
                    model = shipped.local();
                }
                ready.clear();
                next = 0;
                List<double[]> rows = new ArrayList<>();
                while (rows.size() < s.chunkRows() && points.hasNext()) {
                    rows.add(points.next());
                }
                int d = model.rowWidth();
                List<Integer> good = new ArrayList<>();
                for (int r = 0; r < rows.size(); r++) {
                    double[] x = rows.get(r);
                    boolean ok = x != null && x.length == d;
                    for (int j = 0; ok && j < d; j++) {
                        ok = Double.isFinite(x[j]);
                    }
                    if (ok) {
                        good.add(r);
                    }
                }
                Iwae.Estimate[] est = new Iwae.Estimate[0];
                if (!good.isEmpty()) {
                    double[] flat = new double[good.size() * d];
                    for (int g = 0; g < good.size(); g++) {
                        System.arraycopy(rows.get(good.get(g)), 0, flat, g * d, d);
                    }
                    est = model.logDensity(Nd4j.create(flat, new long[] {good.size(), d}, DataType.DOUBLE), s.samples(),
                            chunkSeed(s.seed(), partition, chunk));
                }
                chunk++;
                Iwae.Estimate[] byRow = new Iwae.Estimate[rows.size()];
                for (int g = 0; g < good.size(); g++) {
                    Iwae.Estimate e = est[g];
                    byRow[good.get(g)] = Double.isFinite(e.logDensity()) && Double.isFinite(e.standardError()) ? e : null;
                }
                java.util.Collections.addAll(ready, byRow);
            }
        };
    }
}
