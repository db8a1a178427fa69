package org.eqflow.core;

import java.util.Map;
import org.eqflow.core.ModelState.NamedArray;

/**
 * A plain {@code double[]} implementation of the model's maths, written from docs/maths.md independently of
 * SameDiff, for parity tests: softplus-MLP energy gradients, Leap-Frog, the base and encoder densities.
 * Works for configurations with MLP energies (shared or per-step Hamiltonians) and the normal base.
 */
final class ReferenceFlow {
    private final FlowConfig config;
    private final Map<String, NamedArray> params;

    ReferenceFlow(ModelState state) {
        this.config = state.config();
        this.params = state.parameters();
    }

    /** {@code T(q, p)} for one state. */
    double[][] forward(double[] q, double[] p) {
        return integrate(q, p, false);
    }

    /** {@code T⁻¹(q, p)} for one state. */
    double[][] inverse(double[] q, double[] p) {
        return integrate(q, p, true);
    }

    /** {@code log π(T⁻¹(q, p))} for the standard normal base. */
    double logJoint(double[] q, double[] p) {
        double[][] s = inverse(q, p);
        double lp = 0;
        for (double[] half : s) {
            for (double v : half) {
                lp += -0.5 * v * v - 0.5 * Math.log(2 * Math.PI);
            }
        }
        return lp;
    }

    private double[][] integrate(double[] q0, double[] p0, boolean inverse) {
        double[] q = q0.clone();
        double[] p = p0.clone();
        int steps = config.leapfrogSteps();
        for (int n = 0; n < steps; n++) {
            int i = inverse ? steps - 1 - n : n;
            String suffix = config.separateHamiltonians() && steps > 1 ? Integer.toString(i) : "";
            double eps = config.learnableStepSize() ? Math.exp(params.get("logStep" + i).data()[0]) : config.stepSize();
            double h = inverse ? -eps : eps;
            double[] gu = gradient("pot" + suffix, q);
            for (int j = 0; j < p.length; j++) {
                p[j] -= 0.5 * h * gu[j];
            }
            double[] gk = gradient("kin" + suffix, p);
            for (int j = 0; j < q.length; j++) {
                q[j] += h * gk[j];
            }
            gu = gradient("pot" + suffix, q);
            for (int j = 0; j < p.length; j++) {
                p[j] -= 0.5 * h * gu[j];
            }
        }
        return new double[][] {q, p};
    }

    /** {@code ∇x E} of the softplus MLP with the given prefix, by the chain rule written out by hand. */
    double[] gradient(String prefix, double[] x) {
        double[][] w1 = matrix(prefix + "W1");
        double[] b1 = params.get(prefix + "b1").data();
        double[][] w2 = matrix(prefix + "W2");
        double[] b2 = params.get(prefix + "b2").data();
        double[] w3 = params.get(prefix + "w3").data();
        int h = b1.length;
        double[] a1 = new double[h];
        for (int k = 0; k < h; k++) {
            a1[k] = b1[k];
            for (int j = 0; j < x.length; j++) {
                a1[k] += x[j] * w1[j][k];
            }
        }
        double[] a2 = new double[h];
        for (int k = 0; k < h; k++) {
            a2[k] = b2[k];
            for (int m = 0; m < h; m++) {
                a2[k] += softplus(a1[m]) * w2[m][k];
            }
        }
        double[] g2 = new double[h];
        for (int k = 0; k < h; k++) {
            g2[k] = sigmoid(a2[k]) * w3[k];
        }
        double[] g1 = new double[h];
        for (int m = 0; m < h; m++) {
            double s = 0;
            for (int k = 0; k < h; k++) {
                s += g2[k] * w2[m][k];
            }
            g1[m] = s * sigmoid(a1[m]);
        }
        double[] out = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            for (int m = 0; m < h; m++) {
                out[j] += g1[m] * w1[j][m];
            }
        }
        return out;
    }

    private double[][] matrix(String name) {
        NamedArray a = params.get(name);
        int rows = (int) a.shape()[0];
        int cols = (int) a.shape()[1];
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a.data(), r * cols, m[r], 0, cols);
        }
        return m;
    }

    private static double softplus(double z) {
        return z > 30 ? z : Math.log1p(Math.exp(z));
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
