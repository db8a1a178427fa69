package org.eqflow.core;

import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma & Ba 2015) applied in place to a parameter array and its state array, in plain Java: the
 * same rule and state layout as ND4J's {@code Adam} updater ({@code [m | v]}, {@code m} first), without
 * its per-variable op launches (docs/benchmarks.md).
 *
 * <pre>
 *   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²,   θ ← θ − α_t m / (√v + ε),   α_t = lr √(1−β2^{t+1}) / (1−β1^{t+1})
 * </pre>
 */
final class AdamUpdate {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private double[] theta = new double[0];
    private double[] state = new double[0];
    private float[] floats = new float[0];

    /**
     * @param param     the parameter, c-ordered, FLOAT or DOUBLE, updated in place
     * @param stateView its state {@code [1, 2n]} of the same type, updated in place
     * @param grad      the gradient, {@code n} values in the parameter's order
     * @param scale     factor applied to the gradient first (clipping)
     * @param t         the iteration, from 0
     */
    void apply(INDArray param, INDArray stateView, double[] grad, double scale, double learningRate, long t) {
        int n = grad.length;
        if (param.length() != n || stateView.length() != 2L * n) {
            throw new IllegalArgumentException("Adam: parameter of " + param.length() + " values, state of "
                    + stateView.length() + ", gradient of " + n);
        }
        theta = read(param, theta, n);
        state = read(stateView, state, 2 * n);
        double alpha = learningRate * Math.sqrt(1 - Math.pow(BETA2, t + 1)) / (1 - Math.pow(BETA1, t + 1));
        double[] th = theta;
        double[] st = state;
        for (int i = 0; i < n; i++) {
            double g = grad[i] * scale;
            double m = BETA1 * st[i] + (1 - BETA1) * g;
            double v = BETA2 * st[n + i] + (1 - BETA2) * g * g;
            st[i] = m;
            st[n + i] = v;
            th[i] -= alpha * m / (Math.sqrt(v) + EPSILON);
        }
        write(param, th, n);
        write(stateView, st, 2 * n);
        java.lang.ref.Reference.reachabilityFence(param);
        java.lang.ref.Reference.reachabilityFence(stateView);
    }

    private double[] read(INDArray a, double[] buffer, int n) {
        double[] out = buffer.length >= n ? buffer : new double[n];
        var bytes = a.data().asNio().order(ByteOrder.nativeOrder());
        long offset = a.offset();
        if (a.dataType() == DataType.DOUBLE) {
            bytes.asDoubleBuffer().get((int) offset, out, 0, n);
        } else {
            float[] f = floats(n);
            bytes.asFloatBuffer().get((int) offset, f, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    private void write(INDArray a, double[] values, int n) {
        var bytes = a.data().asNio().order(ByteOrder.nativeOrder());
        long offset = a.offset();
        if (a.dataType() == DataType.DOUBLE) {
            bytes.asDoubleBuffer().put((int) offset, values, 0, n);
        } else {
            float[] f = floats(n);
            for (int i = 0; i < n; i++) {
                f[i] = (float) values[i];
            }
            bytes.asFloatBuffer().put((int) offset, f, 0, n);
        }
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
