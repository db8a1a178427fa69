package org.eqflow.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Noise;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.model.Objective;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.train.TrainingOptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel training of an {@link EquivariantHamiltonianFlow} on Spark. Each step:
 * <ol>
 *   <li>the driver broadcasts the weights and the Lagrange multipliers;</li>
 *   <li>each partition draws its share of the batch from its own rows (uniformly, with replacement, seeded by
 *       {@code (seed, step, partition)}: no shuffle) and computes its slice's Lagrangian and gradients with the model's
 *       engine ({@link EquivariantHamiltonianFlow#sliceObjective}: the fused engine where the model has it), each slice
 *       drawing exactly the encoder and penalty noise its rows get in the whole batch;</li>
 *   <li>a tree aggregation sums the row-weighted slices into the batch's objective;</li>
 *   <li>the driver applies the same optimiser update as single-process training ({@link EquivariantHamiltonianFlow#applyStep}).</li>
 * </ol>
 * The result equals single-process training on the same batches ({@link #batch}: the partitions' rows in partition
 * order) to round-off. Each partition holds its rows as one array in Spark's storage (memory, spilling to disk): choose
 * enough partitions that one fits an executor's memory.
 */
public final class SparkTrainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    /**
     * How to train.
     *
     * @param iterations the step at which training stops (a resumed model continues from its own iteration)
     * @param batchSize  points per step, over all partitions
     * @param schedule   the learning-rate schedule over {@code iterations} ({@code CONSTANT} or {@code COSINE}: the
     *                   validation-driven and time-budget schedules need a validation set, which this trainer does not take)
     * @param seed       the seed of the batches' rows
     * @param logEvery   steps between log lines (0: none)
     * @param treeDepth  depth of the gradients' tree aggregation (2 is Spark's default)
     * @param out        where the model is saved, atomically (null: not saved)
     * @param saveEvery  steps between saves (0: only at the end)
     */
    public record Options(long iterations, int batchSize, TrainingOptions.Schedule schedule, long seed, int logEvery, int treeDepth,
                          Path out, int saveEvery) {
        public Options {
            if (iterations < 0 || batchSize < 1 || logEvery < 0 || treeDepth < 1 || saveEvery < 0) {
                throw new IllegalArgumentException("iterations >= 0, batch size >= 1, log and save intervals >= 0 and a tree depth >= 1"
                        + " are needed, got " + iterations + ", " + batchSize + ", " + logEvery + ", " + saveEvery + ", " + treeDepth);
            }
            if (schedule != TrainingOptions.Schedule.CONSTANT && schedule != TrainingOptions.Schedule.COSINE) {
                throw new IllegalArgumentException("Spark training takes the constant or cosine learning-rate schedule, not "
                        + schedule.name().toLowerCase(java.util.Locale.ROOT) + " (it needs a validation set or a time budget)");
            }
        }

        /** Cosine schedule, the CLI's batch size, a log line every 100 steps, tree depth 2, not saved. */
        public static Options of(long iterations, int batchSize, long seed) {
            return new Options(iterations, batchSize, TrainingOptions.Schedule.COSINE, seed, 100, 2, null, 0);
        }
    }

    /** One partition's rows, row after row. */
    static final class Block implements Serializable {
        private static final long serialVersionUID = 1L;
        final int d;
        final int n;
        final double[] v;

        Block(int d, int n, double[] v) {
            this.d = d;
            this.n = n;
            this.v = v;
        }
    }

    /** What a step sends to every executor. */
    private record StepValues(Map<String, double[]> parameters, double[] multipliers, boolean fused) implements Serializable {
    }

    private final JavaSparkContext sc;
    private final EquivariantHamiltonianFlow model;
    private final LoadOptions load;
    private final Options options;
    private final JavaRDD<Block> blocks;
    private final long[] share;
    private final long[] offset;
    private Broadcast<ModelBroadcast> shipped;

    /**
     * Prepares training: the rows are gathered into one block per partition and kept in Spark's storage, counted, and
     * each partition's share of a batch fixed in proportion to its rows (largest remainders).
     *
     * @param data  the training points in data units, {@code d} numbers each
     * @param load  which classes named in the model the executors may construct (a {@code class:} symmetry)
     * @throws IllegalArgumentException if a row has the wrong length or a non-finite value, or there are no rows
     */
    public SparkTrainer(JavaRDD<double[]> data, EquivariantHamiltonianFlow model, LoadOptions load, Options options) {
        this.sc = JavaSparkContext.fromSparkContext(data.context());
        this.model = model;
        this.load = load;
        this.options = options;
        int d = model.rowWidth();
        this.blocks = data.mapPartitionsWithIndex((i, it) -> List.of(block(it, d, i)).iterator(), true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        List<Integer> sizes = blocks.map(b -> b.n).collect();
        long[] counts = sizes.stream().mapToLong(Integer::longValue).toArray();
        long rows = java.util.Arrays.stream(counts).sum();
        if (rows == 0) {
            blocks.unpersist(false);
            throw new IllegalArgumentException("the training data have no rows");
        }
        this.share = apportion(options.batchSize(), counts);
        this.offset = new long[share.length];
        for (int i = 1; i < share.length; i++) {
            offset[i] = offset[i - 1] + share[i - 1];
        }
        LOG.info("training on {} rows in {} partitions, {} points per step", rows, counts.length, options.batchSize());
    }

    private static Block block(Iterator<double[]> it, int d, int partition) {
        double[] v = new double[1024];
        int n = 0;
        while (it.hasNext()) {
            double[] row = it.next();
            if (row == null || row.length != d) {
                throw new IllegalArgumentException("row " + n + " of partition " + partition + " has " + (row == null ? 0 : row.length)
                        + " values but the model has dimension " + d);
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(row[j])) {
                    throw new IllegalArgumentException("row " + n + " of partition " + partition + " has a non-finite value (" + row[j]
                            + ") in column " + j + ": filter such rows out before training");
                }
            }
            if ((long) (n + 1) * d > v.length) {
                v = java.util.Arrays.copyOf(v, Math.toIntExact(Math.max(2L * v.length, (long) (n + 1) * d)));
            }
            System.arraycopy(row, 0, v, n * d, d);
            n++;
        }
        return new Block(d, n, java.util.Arrays.copyOf(v, n * d));
    }

    /** {@code total} split in proportion to {@code counts} by largest remainders; an empty partition gets none. */
    static long[] apportion(long total, long[] counts) {
        long all = java.util.Arrays.stream(counts).sum();
        long[] out = new long[counts.length];
        double[] rest = new double[counts.length];
        long given = 0;
        for (int i = 0; i < counts.length; i++) {
            double exact = (double) total * counts[i] / all;
            out[i] = (long) Math.floor(exact);
            rest[i] = counts[i] == 0 ? -1 : exact - out[i];
            given += out[i];
        }
        Integer[] order = new Integer[counts.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(rest[b], rest[a]));
        for (int k = 0; given < total; k++) {
            out[order[k % order.length]]++;
            given++;
        }
        return out;
    }

    /**
     * Partition {@code i}'s rows of step {@code t} from its (one) cached block: {@code b} rows drawn uniformly with
     * replacement. The iterator is read to its end, which releases the block's read lock.
     */
    private static INDArray select(Iterator<Block> blocks, long b, long seed, int i, long t) {
        Block block = blocks.next();
        while (blocks.hasNext()) {
            blocks.next();
        }
        SplittableRandom rng = Noise.stream(seed + (i + 1L) * 0x9E3779B97F4A7C15L, t, Noise.Purpose.DATA);
        double[] x = new double[Math.toIntExact(b * block.d)];
        for (int r = 0; r < b; r++) {
            int row = rng.nextInt(block.n);
            System.arraycopy(block.v, row * block.d, x, r * block.d, block.d);
        }
        return Nd4j.create(x, new long[] {b, block.d}, DataType.DOUBLE);
    }

    /**
     * The whole batch of step {@code t}, gathered on the driver: each partition's rows in partition order, the order of
     * the slices' offsets. Single-process training on these batches makes the same updates (the parity test).
     */
    public INDArray batch(long t) {
        long[] s = share;
        long seed = options.seed();
        List<double[]> parts = blocks.mapPartitionsWithIndex((i, it) -> {
            if (s[i] == 0) {
                return Collections.<double[]>emptyIterator();
            }
            return List.of(select(it, s[i], seed, i, t).data().asDouble()).iterator();
        }, true).collect();
        double[] all = new double[Math.toIntExact(options.batchSize() * (long) model.rowWidth())];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return Nd4j.create(all, new long[] {options.batchSize(), model.rowWidth()}, DataType.DOUBLE);
    }

    /** One synchronous step: broadcast, per-partition slices, tree aggregation, the driver's update. */
    public TrainStep step() {
        if (shipped == null) {
            shipped = sc.broadcast(ModelBroadcast.of(model, load));
        }
        long t = model.iteration();
        model.setLearningRateScale(options.schedule().scale(t, options.iterations()));
        long t0 = System.nanoTime();
        Broadcast<StepValues> values = sc.broadcast(new StepValues(ModelBroadcast.values(model), model.multipliers(), model.usesFusedPath()));
        long t1 = System.nanoTime();
        long[] s = share;
        long[] at = offset;
        long total = options.batchSize();
        long seed = options.seed();
        Broadcast<ModelBroadcast> m = shipped;
        try {
            Partial sum = blocks.mapPartitionsWithIndex((i, it) -> {
                if (s[i] == 0) {
                    return Collections.<Partial>emptyIterator();
                }
                INDArray slice = select(it, s[i], seed, i, t);
                EquivariantHamiltonianFlow local = (EquivariantHamiltonianFlow) m.value().local();
                StepValues v = values.value();
                ModelBroadcast.assign(local, v.parameters());
                local.useFusedPath(v.fused());
                Objective o = local.sliceObjective(slice, t, at[i], total, v.multipliers());
                return List.of(Partial.weighted(o, s[i], total)).iterator();
            }, true).treeReduce(Partial::plus, options.treeDepth());
            long t2 = System.nanoTime();
            TrainStep done = model.applyStep(sum.objective());
            timings = timings.plus(t1 - t0, t2 - t1, System.nanoTime() - t2);
            return done;
        } finally {
            values.destroy();
        }
    }

    /**
     * Where the driver's time went over the steps so far (nanoseconds summed): sending the weights (copying them out and
     * {@code sc.broadcast}), the job (scheduling, the partitions' slices, the tree aggregation, the results' transfer), and
     * the optimiser's update.
     */
    public record Timings(long steps, long broadcastNanos, long jobNanos, long updateNanos) {
        static final Timings NONE = new Timings(0, 0, 0, 0);

        Timings plus(long broadcast, long job, long update) {
            return new Timings(steps + 1, broadcastNanos + broadcast, jobNanos + job, updateNanos + update);
        }

        /** Milliseconds per step of {broadcast, job, update}. */
        public double[] millisPerStep() {
            double n = Math.max(1, steps) * 1e6;
            return new double[] {broadcastNanos / n, jobNanos / n, updateNanos / n};
        }
    }

    private Timings timings = Timings.NONE;

    /** The driver's time per phase over the steps so far. */
    public Timings timings() {
        return timings;
    }

    /** Starts {@link #timings()} again (after warm-up steps, say). */
    public void resetTimings() {
        timings = Timings.NONE;
    }

    /** What a run did. */
    public record Summary(long iterations, double lastLoss, double lastNegElbo, double secondsPerStep) {
    }

    /**
     * Steps until the model's iteration reaches {@link Options#iterations()}, logging and saving as the options say; the
     * model is saved at the end (and before a divergence is reported, the last save is what the file holds).
     */
    public Summary run() throws IOException {
        long start = System.nanoTime();
        long first = model.iteration();
        TrainStep last = null;
        List<String> names = model.generatorNames();
        while (model.iteration() < options.iterations()) {
            last = step();
            long done = model.iteration() - first;
            if (options.logEvery() > 0 && (last.iteration() % options.logEvery() == 0 || model.iteration() == options.iterations())) {
                LOG.info("step {}: loss {} −ELBO {}{} ({} ms per step)", last.iteration(), fmt(last.loss()), fmt(last.negElbo()),
                        constraints(names, last.constraints()), String.format(java.util.Locale.ROOT, "%.1f",
                                (System.nanoTime() - start) / 1e6 / done));
            }
            if (options.out() != null && options.saveEvery() > 0 && model.iteration() % options.saveEvery() == 0) {
                ModelFile.save(model, options.out(), true);
            }
        }
        if (options.out() != null) {
            ModelFile.save(model, options.out(), true);
        }
        long steps = model.iteration() - first;
        return new Summary(model.iteration(), last == null ? Double.NaN : last.loss(), last == null ? Double.NaN : last.negElbo(),
                steps == 0 ? 0 : (System.nanoTime() - start) / 1e9 / steps);
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.4f", v) : "non-finite";
    }

    private static String constraints(List<String> names, double[] c) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < c.length; k++) {
            b.append(k == 0 ? ", C " : " ").append(k < names.size() ? names.get(k) : "C" + k).append('=').append(fmt(c[k]));
        }
        return b.toString();
    }

    /** The points each partition contributes to a batch. */
    public long[] shares() {
        return share.clone();
    }

    /** Releases the cached rows. */
    @Override
    public void close() {
        blocks.unpersist(false);
        if (shipped != null) {
            shipped.destroy();
        }
    }
}
