package org.eqflow.core.fused;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Optional;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused path on several cores: the batch is cut into contiguous row shards, one
 * {@link FusedLagrangian} (own buffers, single-threaded BLAS) per shard on its own thread, and the
 * results are combined with weights {@code n_s / B}. Every term of the Lagrangian is a mean over rows
 * (the penalty's base samples are cut the same way), so the combination is the full-batch loss and
 * gradient exactly, up to the order of floating-point sums; a given thread count is deterministic.
 * Like DL4J's ParallelWrapper, but inside one step. With one thread it is the plain fused path.
 */
public final class ShardedLagrangian {
    /** Fewer rows than this per shard are not worth a thread. */
    static final int MIN_ROWS_PER_SHARD = 64;

    private final List<FusedLagrangian> shards = new ArrayList<>();
    private final ExecutorService pool;
    /** Rows per group of the training bound (K training samples). */
    private final int unit;

    /** A fused engine for the model described by the arguments, splitting each batch over {@code threads} cores. */
    public ShardedLagrangian(FusedLagrangian.Spec config, Optional<Symmetry> symmetry, BaseDensity base, Map<String, long[]> parameterShapes,
                             int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        for (int i = 0; i < threads; i++) {
            shards.add(new FusedLagrangian(config, symmetry, base, parameterShapes));
        }
        unit = config.trainingSamples();
        pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "eqflow-fused-shard");
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the shard threads (this engine is replaced); idempotent. */
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** The number of cores a batch is split over. */
    public int threads() {
        return shards.size();
    }

    /** {@link FusedLagrangian#evaluate} of the whole batch, computed in shards. */
    public FusedLagrangian.Result evaluate(Map<String, INDArray> values, INDArray q, INDArray noise, INDArray penaltyQ,
                                           INDArray penaltyP, double[] lambda) {
        int b = Math.toIntExact(q.rows());
        int n = Math.min(shardCount(b), Math.max(1, b / unit));
        if (n == 1 || (penaltyQ != null && penaltyQ.rows() != b)) {
            return shards.get(0).evaluate(values, q, noise, penaltyQ, penaltyP, lambda);
        }
        // a group of K training draws of one point stays in one shard: its bound is a log-sum-exp over the group
        List<FusedLagrangian.Result> parts = run(n, b, unit, (s, from, to) -> shards.get(s).evaluate(values, rows(q, from, to),
                rows(noise, from, to), rows(penaltyQ, from, to), rows(penaltyP, from, to), lambda));
        double loss = 0;
        double negElbo = 0;
        double[] constraints = new double[parts.get(0).constraints().length];
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (int s = 0; s < n; s++) {
            FusedLagrangian.Result r = parts.get(s);
            double w = (double) (end(s, n, b, unit) - start(s, n, b, unit)) / b;
            loss += w * r.loss();
            negElbo += w * r.negElbo();
            for (int k = 0; k < constraints.length; k++) {
                constraints[k] += w * r.constraints()[k];
            }
            for (Map.Entry<String, double[]> e : r.gradients().entrySet()) {
                double[] acc = grads.computeIfAbsent(e.getKey(), k -> new double[e.getValue().length]);
                double[] g = e.getValue();
                for (int i = 0; i < g.length; i++) {
                    acc[i] += w * g[i];
                }
            }
        }
        return new FusedLagrangian.Result(loss, negElbo, constraints, grads);
    }

    /** {@link FusedLagrangian#evaluate} with the context gradient (one shard). */
    public FusedLagrangian.Result evaluateWithContextGradient(Map<String, INDArray> values, INDArray q, INDArray noise, INDArray penaltyQ,
                                                              INDArray penaltyP, double[] lambda) {
        return shards.get(0).evaluate(values, q, noise, penaltyQ, penaltyP, lambda, true);
    }

    /** {@link FusedLagrangian#logWeights} of every row, computed in shards. */
    public double[] logWeights(Map<String, INDArray> values, INDArray q, INDArray noise) {
        int b = Math.toIntExact(q.rows());
        int n = shardCount(b);
        if (n == 1) {
            return shards.get(0).logWeights(values, q, noise);
        }
        List<double[]> parts = run(n, b, 1, (s, from, to) -> shards.get(s).logWeights(values, rows(q, from, to), rows(noise, from, to)));
        double[] out = new double[b];
        for (int s = 0; s < n; s++) {
            System.arraycopy(parts.get(s), 0, out, start(s, n, b, 1), parts.get(s).length);
        }
        return out;
    }

    /** {@link FusedLagrangian#logJoint} (one shard). */
    public double[] logJoint(Map<String, INDArray> values, INDArray q, INDArray p) {
        return shards.get(0).logJoint(values, q, p);
    }

    /** {@link FusedLagrangian#encode} (one shard). */
    public double[] encode(Map<String, INDArray> values, INDArray q, INDArray noise) {
        return shards.get(0).encode(values, q, noise);
    }

    /** {@link FusedLagrangian#encoderLogDensity} (one shard). */
    public double[] encoderLogDensity(Map<String, INDArray> values, INDArray q, INDArray p) {
        return shards.get(0).encoderLogDensity(values, q, p);
    }

    /** {@link FusedLagrangian#constraints} (one shard: no gradient, a small batch). */
    public double[] constraints(Map<String, INDArray> values, INDArray penaltyQ, INDArray penaltyP) {
        return shards.get(0).constraints(values, penaltyQ, penaltyP);
    }

    /** {@link FusedLagrangian#forwardFlow} of every row, computed in shards. */
    public List<double[]> forwardFlow(Map<String, INDArray> values, INDArray q0, INDArray p0, FusedLagrangian.Kept kept) {
        int b = Math.toIntExact(q0.rows());
        int n = shardCount(b);
        if (n == 1) {
            return shards.get(0).forwardFlow(values, q0, p0, kept);
        }
        List<List<double[]>> parts = run(n, b, 1, (s, from, to) -> shards.get(s).forwardFlow(values, rows(q0, from, to),
                rows(p0, from, to), kept));
        int d = Math.toIntExact(p0.columns());
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < parts.get(0).size(); k++) {
            double[] all = new double[b * d];
            for (int s = 0; s < n; s++) {
                double[] part = parts.get(s).get(k);
                System.arraycopy(part, 0, all, start(s, n, b, 1) * d, part.length);
            }
            out.add(all);
        }
        return out;
    }

    private int shardCount(int rows) {
        return Math.max(1, Math.min(shards.size(), rows / MIN_ROWS_PER_SHARD));
    }

    private interface ShardTask<T> {
        T apply(int shard, int from, int to);
    }

    /** Runs shards 1..n−1 on the pool and shard 0 on the calling thread; results in shard order. */
    private <T> List<T> run(int n, int b, int unit, ShardTask<T> task) {
        List<Future<T>> futures = new ArrayList<>();
        for (int s = 1; s < n; s++) {
            int shard = s;
            futures.add(pool.submit(() -> task.apply(shard, start(shard, n, b, unit), end(shard, n, b, unit))));
        }
        List<T> out = new ArrayList<>();
        out.add(task.apply(0, start(0, n, b, unit), end(0, n, b, unit)));
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a shard", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return out;
    }

    /** The first row of shard {@code shard} of {@code n} over {@code b} rows, cut between groups of {@code unit} rows. */
    private static int start(int shard, int n, int b, int unit) {
        return unit * (int) ((long) (b / unit) * shard / n);
    }

    private static int end(int shard, int n, int b, int unit) {
        return shard == n - 1 ? b : start(shard + 1, n, b, unit);
    }

    private static INDArray rows(INDArray a, int from, int to) {
        return a == null ? null : a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c');
    }
}
