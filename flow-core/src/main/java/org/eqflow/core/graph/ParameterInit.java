package org.eqflow.core.graph;

import java.util.SplittableRandom;

/**
 * How a trainable variable is initialised: LeCun-uniform for weight matrices (variance {@code 1/fanIn},
 * as Sonnet and PyTorch's defaults), uniform on {@code ±1/√fanIn} for biases (PyTorch's default), or a
 * constant (a log step size).
 *
 * <p>Why not Glorot: for an energy {@code [d, 128, 128, 1]} Glorot's {@code fanIn + fanOut} shrinks the
 * first layer to pre-activations far below 1, where softplus is nearly linear; the energy then starts
 * almost flat, its gradient tiny, the flow nearly the identity, and training crawls.
 */
public sealed interface ParameterInit {

    /** Fills {@code out} (row-major, of the given shape) with initial values drawn from {@code rng}. */
    void fill(double[] out, long[] shape, SplittableRandom rng);

    /** LeCun-uniform: uniform on ±√(3/fanIn). */
    static ParameterInit lecun() {
        return new LeCun(1.0);
    }

    /** LeCun-uniform scaled by {@code gain}: a small gain starts an output layer close to zero. */
    static ParameterInit lecun(double gain) {
        return new LeCun(gain);
    }

    /** Uniform on ±1/√fanIn, with {@code fanIn} the layer's input width. */
    static ParameterInit bias(long fanIn) {
        return new Bias(fanIn);
    }

    /** All zeros. */
    static ParameterInit zeros() {
        return new Constant(0.0);
    }

    /** Every entry {@code value}. */
    static ParameterInit constant(double value) {
        return new Constant(value);
    }

    /** Uniform on ±gain·√(3/fanIn) (variance gain²/fanIn), {@code fanIn} from a {@code [fanIn, fanOut]} shape. */
    record LeCun(double gain) implements ParameterInit {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            long fanIn = shape.length > 1 ? shape[0] : shape[shape.length - 1];
            double limit = gain * Math.sqrt(3.0 / fanIn);
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rng.nextDouble() - 1) * limit;
            }
        }
    }

    /** Uniform on ±1/√fanIn, {@code fanIn} given. */
    record Bias(long fanIn) implements ParameterInit {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            double limit = 1 / Math.sqrt(fanIn);
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rng.nextDouble() - 1) * limit;
            }
        }
    }

    /** Every entry {@code value}. */
    record Constant(double value) implements ParameterInit {
        @Override
        public void fill(double[] out, long[] shape, SplittableRandom rng) {
            java.util.Arrays.fill(out, value);
        }
    }
}
