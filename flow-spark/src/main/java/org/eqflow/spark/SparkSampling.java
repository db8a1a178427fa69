package org.eqflow.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.eqflow.core.Noise;
import org.eqflow.core.model.DensityModel;

/**
 * Distributed sampling: {@code n} draws from a model, split evenly over {@code partitions} tasks, each drawing its share
 * in chunks (memory per task: one chunk), seeded by {@link #chunkSeed}{@code (seed, partition, chunk)}: the same
 * {@code (n, partitions, seed)} give the same draws.
 */
public final class SparkSampling {
    /** Draws per chunk. */
    public static final int CHUNK_ROWS = 16_384;

    private SparkSampling() {
    }

    /** The seed of chunk {@code chunk} of partition {@code partition}. */
    public static long chunkSeed(long seed, int partition, long chunk) {
        return Noise.stream(seed, ((long) partition << 40) ^ chunk, Noise.Purpose.SAMPLING).nextLong();
    }

    /** The draws of partition {@code i}: {@code n / partitions}, one more for the first {@code n mod partitions}. */
    static long share(long n, int partitions, int i) {
        return n / partitions + (i < n % partitions ? 1 : 0);
    }

    /** {@code n} draws (data units), {@code d} numbers each, in {@code partitions} partitions. */
    public static JavaRDD<double[]> sample(JavaSparkContext sc, ModelBroadcast model, long n, int partitions, long seed) {
        if (n < 0 || partitions < 1) {
            throw new IllegalArgumentException("n >= 0 and partitions >= 1 are needed, got " + n + " and " + partitions);
        }
        if (model.rowWidth() != model.dimension()) {
            throw new IllegalArgumentException("the model is a conditional density p(x | c): its samples need contexts, which "
                    + "distributed sampling does not take; sample it with eqflow sample --context C.csv");
        }
        Broadcast<ModelBroadcast> shipped = sc.broadcast(model);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            ids.add(i);
        }
        return sc.parallelize(ids, partitions).mapPartitions(it -> {
            List<double[]> none = List.of();
            if (!it.hasNext()) {
                return none.iterator();
            }
            int i = it.next();
            return draws(shipped.value(), share(n, partitions, i), seed, i);
        }, true);
    }

    /** {@link #sample(JavaSparkContext, ModelBroadcast, long, int, long)} as a DataFrame with columns {@code x0 … x(d−1)}. */
    public static Dataset<Row> sample(SparkSession spark, ModelBroadcast model, long n, int partitions, long seed) {
        StructType schema = new StructType();
        for (int j = 0; j < model.dimension(); j++) {
            schema = schema.add("x" + j, DataTypes.DoubleType, false);
        }
        JavaRDD<Row> rows = sample(JavaSparkContext.fromSparkContext(spark.sparkContext()), model, n, partitions, seed)
                .map(x -> {
                    Object[] v = new Object[x.length];
                    for (int j = 0; j < x.length; j++) {
                        v[j] = x[j];
                    }
                    return RowFactory.create(v);
                });
        return spark.createDataFrame(rows, schema);
    }

    private static Iterator<double[]> draws(ModelBroadcast shipped, long count, long seed, int partition) {
        return new Iterator<>() {
            private long left = count;
            private long chunk;
            private double[] block = new double[0];
            private int rows;
            private int next;
            private int d;

            @Override
            public boolean hasNext() {
                return next < rows || left > 0;
            }

            @Override
            public double[] next() {
                if (next == rows) {
                    if (left == 0) {
                        throw new NoSuchElementException();
                    }
                    DensityModel m = shipped.local();
                    rows = (int) Math.min(CHUNK_ROWS, left);
                    d = m.dimension();
                    block = m.sample(rows, chunkSeed(seed, partition, chunk++)).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                            .dup('c').data().asDouble();
                    left -= rows;
                    next = 0;
                }
                double[] x = new double[d];
                System.arraycopy(block, next * d, x, 0, d);
                next++;
                return x;
            }
        };
    }
}
