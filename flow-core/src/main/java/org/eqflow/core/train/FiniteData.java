package org.eqflow.core.train;

import java.util.SplittableRandom;
import org.eqflow.core.Noise;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fixed training set, reshuffled every epoch ("finite data"). Epoch {@code e}'s order is the
 * permutation drawn from {@code (seed, e)}; an epoch has {@code ceil(N / B)} batches, the last one shorter.
 */
public final class FiniteData implements DataSource {
    private final double[][] points;
    private final long seed;
    private int[] order;
    private long orderEpoch = -1;
    private int orderBatch = -1;

    /** Fraction of the training points {@link #holdOut} keeps for validation. */
    public static final double HOLD_OUT_FRACTION = 0.1;
    /** The fewest points {@link #holdOut} keeps for validation. */
    public static final int HOLD_OUT_MIN = 10;
    /** The most points {@link #holdOut} keeps for validation. */
    public static final int HOLD_OUT_MAX = 1000;

    /** The counter of {@link #holdOut}'s stream among the seed's data streams. */
    private static final long HOLD_OUT_STREAM = 2;

    /** Training points and the validation points held out of them. */
    public record Split(double[][] train, double[][] validation) {
    }

    /**
     * Holds out {@value #HOLD_OUT_FRACTION} of {@code points} (at least {@value #HOLD_OUT_MIN}, at most
     * {@value #HOLD_OUT_MAX}, and never more than half) for validation, chosen by a seeded shuffle; the rest
     * trains. Fewer than 2 points cannot be split.
     */
    public static Split holdOut(double[][] points, long seed) {
        if (points.length < 2) {
            throw new IllegalArgumentException("cannot hold out validation points from " + points.length
                    + " training point(s); give --validation or more data");
        }
        int n = points.length;
        int k = (int) Math.min(Math.min(HOLD_OUT_MAX, n / 2), Math.max(HOLD_OUT_MIN, Math.round(n * HOLD_OUT_FRACTION)));
        int[] order = java.util.stream.IntStream.range(0, n).toArray();
        java.util.SplittableRandom r = org.eqflow.core.Noise.stream(seed, HOLD_OUT_STREAM, org.eqflow.core.Noise.Purpose.DATA);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[][] validation = new double[k][];
        double[][] train = new double[n - k][];
        for (int i = 0; i < n; i++) {
            if (i < k) {
                validation[i] = points[order[i]];
            } else {
                train[i - k] = points[order[i]];
            }
        }
        return new Split(train, validation);
    }

    /** Batches of {@code points}, reshuffled every epoch by the permutation drawn from {@code (seed, epoch)}. */
    public FiniteData(double[][] points, long seed) {
        if (points.length == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        this.points = points;
        this.seed = seed;
    }

    @Override
    public int dimension() {
        return points[0].length;
    }

    /** The number of points. */
    public int size() {
        return points.length;
    }

    @Override
    public INDArray batch(long iteration, int batchSize) {
        int b = Math.min(batchSize, points.length);
        int perEpoch = (points.length + b - 1) / b;
        long epoch = iteration / perEpoch;
        int index = (int) (iteration % perEpoch);
        if (epoch != orderEpoch || b != orderBatch) {
            order = permutation(points.length, Noise.stream(seed, epoch, Noise.Purpose.DATA));
            orderEpoch = epoch;
            orderBatch = b;
        }
        int from = index * b;
        int to = Math.min(points.length, from + b);
        double[] flat = new double[(to - from) * dimension()];
        for (int i = from; i < to; i++) {
            System.arraycopy(points[order[i]], 0, flat, (i - from) * dimension(), dimension());
        }
        return Nd4j.create(flat, new long[] {to - from, dimension()}, DataType.DOUBLE);
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
