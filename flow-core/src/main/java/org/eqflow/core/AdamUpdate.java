package org.eqflow.core;

import org.eqflow.core.fused.HostArrays;
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
    private final HostArrays host = new HostArrays();

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
        if (theta.length < n) {  // grow-only scratch, reused across parameters and steps
            theta = new double[n];
            state = new double[2 * n];
        }
        host.read(param, theta);
        host.read(stateView, state);
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
        host.write(param, th);
        host.write(stateView, st);
    }
}
