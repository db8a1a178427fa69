package org.eqflow.core;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every random number eqflow draws comes from a stream derived from {@code (seed, counter, purpose)}
 * alone, never from hidden global state: a run resumed from a checkpoint at iteration {@code t} draws
 * exactly what the uninterrupted run drew, and results do not depend on ND4J's global RNG.
 */
public final class Noise {

    /** What a stream is for; each purpose gets independent numbers. */
    public enum Purpose { INIT, ENCODER, PENALTY, EVALUATION, SAMPLING, DATA, ROTATION }

    private Noise() {
    }

    /** The stream for {@code (seed, counter, purpose)}. */
    public static SplittableRandom stream(long seed, long counter, Purpose purpose) {
        long h = mix(seed);
        h = mix(h ^ counter * 0x9E3779B97F4A7C15L);
        h = mix(h ^ (purpose.ordinal() + 1) * 0xC2B2AE3D27D4EB4FL);
        return new SplittableRandom(h);
    }

    /** A {@code [rows, cols]} array of standard normal draws from {@code rng}. */
    public static INDArray gaussian(SplittableRandom rng, long rows, int cols, DataType dataType) {
        double[] v = new double[Math.toIntExact(rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dataType);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
