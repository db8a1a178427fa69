package org.eqflow.core.optim;

import org.eqflow.core.fused.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma &amp; Ba 2015) applied in place to a parameter array and its state array, in plain Java: the
 * same rule and state layout as ND4J's {@code Adam} updater ({@code [m | v]}, {@code m} first), without
 * its per-variable op launches (docs/benchmarks.md).
 *
 * <pre>
 *   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²,   θ ← θ − α_t m / (√v + ε),   α_t = lr √(1−β2^{t+1}) / (1−β1^{t+1})
 * </pre>
 */
public final class AdamUpdate {
    /** Adam's first-moment decay β1. */
    public static final double BETA1 = 0.9;
    /** Adam's second-moment decay β2. */
    public static final double BETA2 = 0.999;
    /** Adam's ε in the denominator. */
    public static final double EPSILON = 1e-8;

    /** Per parameter name: the staged weights, {@code m} and {@code v}, reused across steps. */
    private final java.util.Map<String, double[][]> staged = new java.util.HashMap<>();
    private final HostArrays host = new HostArrays();

    /**
     * Computes the update of one parameter into a staging buffer without touching it.
     *
     * @param name      the parameter's name (its staging buffer)
     * @param param     the parameter, c-ordered, FLOAT or DOUBLE
     * @param stateView its state {@code [1, 2n]} of the same type
     * @param grad      the gradient, {@code n} values in the parameter's order
     * @param scale     factor applied to the gradient first (clipping)
     * @param t         the iteration, from 0
     * @return whether every updated weight and moment is finite
     */
    public boolean stage(String name, INDArray param, INDArray stateView, double[] grad, double scale, double learningRate, long t) {
        int n = grad.length;
        if (param.length() != n || stateView.length() != 2L * n) {
            throw new IllegalArgumentException("Adam: parameter of " + param.length() + " values, state of "
                    + stateView.length() + ", gradient of " + n);
        }
        double[][] buf = staged.get(name);
        if (buf == null || buf[0].length != n) {
            buf = new double[][] {new double[n], new double[n], new double[n]};
            staged.put(name, buf);
        }
        double[] th = buf[0];
        double[] m1 = buf[1];
        double[] v1 = buf[2];
        host.read(param, th);
        host.read(stateView, n, 0, m1);
        host.read(stateView, n, n, v1);
        double alpha = learningRate * Math.sqrt(1 - Math.pow(BETA2, t + 1)) / (1 - Math.pow(BETA1, t + 1));
        // Three arrays at one index, no branch: the loop C2 vectorises (docs/benchmarks.md).
        for (int i = 0; i < n; i++) {
            double g = grad[i] * scale;
            double m = BETA1 * m1[i] + (1 - BETA1) * g;
            double v = BETA2 * v1[i] + (1 - BETA2) * g * g;
            m1[i] = m;
            v1[i] = v;
            th[i] -= alpha * m / (Math.sqrt(v) + EPSILON);
        }
        // finite in the parameter's own precision: 1e300 is a double but not a float; NaN fails every comparison
        double limit = param.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT ? Float.MAX_VALUE : Double.MAX_VALUE;
        double largest = 0;
        for (int i = 0; i < n; i++) {
            largest = Math.max(largest, Math.max(Math.abs(th[i]), v1[i]));
        }
        return Double.isFinite(alpha) && largest <= limit;
    }

    /** Writes a staged update into its parameter and state (after every parameter's stage was finite). */
    public void commit(String name, INDArray param, INDArray stateView) {
        double[][] buf = staged.get(name);
        int n = buf[0].length;
        host.write(param, buf[0]);
        host.write(stateView, n, 0, buf[1]);
        host.write(stateView, n, n, buf[2]);
    }

    /** Stages and commits at once (one parameter; tests). */
    public void apply(INDArray param, INDArray stateView, double[] grad, double scale, double learningRate, long t) {
        stage("", param, stateView, grad, scale, learningRate, t);
        commit("", param, stateView);
    }
}
