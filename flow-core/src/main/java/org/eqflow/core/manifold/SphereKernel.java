package org.eqflow.core.manifold;

import java.util.Arrays;

/**
 * The fused engine of {@link SphereFlow}: {@link SpherePotential}'s field and divergence (the same arithmetic) and
 * their vector–Jacobian product, derived by hand, on states {@code x [B·3]} (points of S² in R³, row-major), with
 * the Runge–Kutta integrator of {@link RungeKuttaKernel} and its retraction {@code x ↦ x/|x|} after each step.
 *
 * <p>The potential reads d coordinates of x and t; its first and second derivatives are carried along d + 1
 * directions per sample: the coordinate axes (first derivatives {@code ∂_jΦ}, second {@code ∂_j²Φ}) and x itself
 * ({@code x·∇Φ} and {@code xᵀ∇²Φ x}), which give
 * <pre>
 *   v = ∇Φ − (x·∇Φ) x,   div = Σ_j ∂_j²Φ − xᵀ∇²Φ x − 2 x·∇Φ.
 * </pre>
 */
final class SphereKernel extends RungeKuttaKernel {
    private final int[] coords;
    private final int d;
    private final int m;
    private int capacity = -1;
    private double[] gFirst;
    private double[] gSecond;

    SphereKernel(SphereSymmetry symmetry, int hidden) {
        super(3, new DirectionalMlp(symmetry.coordinates().length + 1, hidden, symmetry.coordinates().length + 1));
        this.coords = symmetry.coordinates();
        this.d = coords.length;
        this.m = d + 1;
    }

    private void ensure(int batch) {
        mlp.ensure(batch);
        if (batch > capacity) {
            capacity = batch;
            gFirst = new double[batch * m];
            gSecond = new double[batch * m];
        }
    }

    @Override
    void field(double[] x, int batch, double t, double[] v, double[] div, double[] phi) {
        ensure(batch);
        int features = mlp.features;
        double[] f = mlp.f;
        double[] tan = mlp.tan;
        Arrays.fill(mlp.sec, 0, batch * m * features, 0.0);
        Arrays.fill(tan, 0, batch * m * features, 0.0);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                double xc = x[b * 3 + coords[j]];
                f[b * features + j] = xc;
                tan[(b * m + j) * features + j] = 1;
                tan[(b * m + d) * features + j] = xc;
            }
            f[b * features + d] = t;
        }
        mlp.forward(batch);
        for (int b = 0; b < batch; b++) {
            double xg = mlp.first(b * m + d);
            for (int i = 0; i < 3; i++) {
                v[b * 3 + i] = -xg * x[b * 3 + i];
            }
            double trace = 0;
            for (int j = 0; j < d; j++) {
                v[b * 3 + coords[j]] += mlp.first(b * m + j);
                trace += mlp.second(b * m + j);
            }
            div[b] = trace - mlp.second(b * m + d) - 2 * xg;
            if (phi != null) {
                phi[b] = mlp.potential(b);
            }
        }
    }

    @Override
    void backward(double[] x, int batch, double[] v, double[] gv, double[] gdiv, double[] gx) {
        int features = mlp.features;
        for (int b = 0; b < batch; b++) {
            double xg = mlp.first(b * m + d);
            double gvx = 0;
            for (int i = 0; i < 3; i++) {
                gvx += gv[b * 3 + i] * x[b * 3 + i];
                gx[b * 3 + i] = -xg * gv[b * 3 + i];
            }
            for (int j = 0; j < d; j++) {
                gFirst[b * m + j] = gv[b * 3 + coords[j]];
                gSecond[b * m + j] = gdiv[b];
            }
            gFirst[b * m + d] = -gvx - 2 * gdiv[b];
            gSecond[b * m + d] = -gdiv[b];
        }
        mlp.backward(batch, gFirst, gSecond);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                // x_c enters as a feature and as the x direction's component
                gx[b * 3 + coords[j]] += mlp.gf[b * features + j] + mlp.gTan[(b * m + d) * features + j];
            }
        }
    }

    @Override
    void retract(double[] x, int batch) {
        for (int b = 0; b < batch; b++) {
            double r = Math.sqrt(x[b * 3] * x[b * 3] + x[b * 3 + 1] * x[b * 3 + 1] + x[b * 3 + 2] * x[b * 3 + 2]);
            for (int i = 0; i < 3; i++) {
                x[b * 3 + i] /= r;
            }
        }
    }

    /** {@code y = p/|p|}: {@code g_p = (g_y − y (y·g_y))/|p|}. */
    @Override
    void retractBackward(double[] before, int batch, double[] g) {
        for (int b = 0; b < batch; b++) {
            double r = Math.sqrt(before[b * 3] * before[b * 3] + before[b * 3 + 1] * before[b * 3 + 1]
                    + before[b * 3 + 2] * before[b * 3 + 2]);
            double yg = 0;
            for (int i = 0; i < 3; i++) {
                yg += before[b * 3 + i] / r * g[b * 3 + i];
            }
            for (int i = 0; i < 3; i++) {
                g[b * 3 + i] = (g[b * 3 + i] - before[b * 3 + i] / r * yg) / r;
            }
        }
    }

    /**
     * The negative log-likelihood {@code −mean log q(x)} of data {@code x [B·3]} (up to the base's constant
     * {@code log 4π}), integrated backward to the uniform base, and its weight gradients (into the network's).
     */
    double nllAndGradients(double[] x, int batch, int steps) {
        double[][] stages = new double[steps * 5][batch * 3];
        double[] y = x.clone();
        double[] logq = new double[batch];
        integrate(y, batch, steps, false, logq, stages);
        double loss = 0;
        double[] gLogq = new double[batch];
        for (int b = 0; b < batch; b++) {
            loss -= logq[b];
            gLogq[b] = -1.0 / batch;
        }
        reverse(batch, steps, false, stages, new double[batch * 3], gLogq);
        return loss / batch;
    }
}
