package org.eqflow.core.graph;

import java.util.SplittableRandom;

/**
 * How a trainable variable is initialised: Glorot-uniform for weight matrices, zeros for biases,
 * a constant for scalars such as a log step size.
 */
public sealed interface ParameterInit {

    /** Fills {@code out} (row-major, of the given shape) with initial values drawn from {@code rng}. */
    void fill(double[] out, long[] shape, SplittableRandom rng);

    static ParameterInit glorot() {
        return new Glorot();
    }

    static ParameterInit zeros() {
        return new Constant(0.0);
    }

    static ParameterInit constant(double value) {
        return new Constant(value);
    }

    /** Uniform on ±sqrt(6 / (fanIn + fanOut)), fan sizes from a [fanIn, fanOut] shape. */
    record Glorot() implements ParameterInit {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            long fanIn = shape.length > 1 ? shape[0] : 1;
            long fanOut = shape[shape.length - 1];
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rng.nextDouble() - 1) * limit;
            }
        }
    }

    record Constant(double value) implements ParameterInit {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            java.util.Arrays.fill(out, value);
        }
    }
}
