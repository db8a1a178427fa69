package org.eqflow.core.manifold;

import java.util.Arrays;

/**
 * The fused engine of {@link SpectralFlow}: the potential's field and divergence ({@link SpectralPotential}'s
 * graph ops, the same arithmetic) and their vector–Jacobian product, derived by hand, in plain Java loops over
 * double arrays; the Runge–Kutta integrator forward and its reverse mode through the stages (discretise, then
 * differentiate: the gradients are those of the graph's loss, equal to SameDiff's to round-off).
 *
 * <p>Layout: angles {@code θ [B·n]} row-major; the n directional derivatives of a sample are rows
 * {@code (b, j)} of {@code [B·n, ·]} arrays. Weights {@code W1 [F, H]}, {@code b1 [H]}, {@code W2 [H, H]},
 * {@code b2 [H]}, {@code w3 [H]}, F = 2n + 1 features ({@code Σ_j cos kθ_j}, {@code Σ_j sin kθ_j}, t). The network
 * and its directional derivatives are {@link DirectionalMlp}'s, the integrator {@link RungeKuttaKernel}'s.
 */
final class SpectralKernel extends RungeKuttaKernel {
    final int n;
    private int capacity = -1;
    private double[] gvTotal;
    private double[] gSecond;
    /** cos kθ_j and sin kθ_j of one sample and power k. */
    private final double[] cosK;
    private final double[] sinK;

    SpectralKernel(int n, int hidden) {
        super(n, new DirectionalMlp(2 * n + 1, hidden, n));
        this.n = n;
        cosK = new double[n];
        sinK = new double[n];
    }

    private void ensure(int batch) {
        mlp.ensure(batch);
        if (batch > capacity) {
            capacity = batch;
            gvTotal = new double[batch * n];
            gSecond = new double[batch * n];
        }
    }

    /**
     * The field at angles {@code theta [B·n]} and time t: velocity {@code v [B·n]}, divergence {@code div [B]}
     * and (if not null) the potential {@code phi [B]}. Keeps the intermediates for {@link #backward}.
     */
    @Override
    void field(double[] theta, int batch, double t, double[] v, double[] div, double[] phi) {
        ensure(batch);
        int features = mlp.features;
        double[] f = mlp.f;
        double[] tan = mlp.tan;
        double[] sec = mlp.sec;
        double diag = 1.0 - 2.0 / n;
        double all = 1.0 / ((double) n * n);
        for (int b = 0; b < batch; b++) {
            int fo = b * features;
            for (int k = 1; k <= n; k++) {
                double cs = 0;
                double ss = 0;
                for (int j = 0; j < n; j++) {
                    cosK[j] = Math.cos(k * theta[b * n + j]);
                    sinK[j] = Math.sin(k * theta[b * n + j]);
                    cs += cosK[j];
                    ss += sinK[j];
                }
                f[fo + 2 * k - 2] = cs;
                f[fo + 2 * k - 1] = ss;
                for (int j = 0; j < n; j++) {
                    double c = cosK[j];
                    double s = sinK[j];
                    int ro = (b * n + j) * features;
                    tan[ro + 2 * k - 2] = -k * (s - ss / n);
                    tan[ro + 2 * k - 1] = k * (c - cs / n);
                    sec[ro + 2 * k - 2] = -(double) k * k * (diag * c + all * cs);
                    sec[ro + 2 * k - 1] = -(double) k * k * (diag * s + all * ss);
                }
            }
            f[fo + 2 * n] = t;
            for (int j = 0; j < n; j++) {
                tan[(b * n + j) * features + 2 * n] = 0;
                sec[(b * n + j) * features + 2 * n] = 0;
            }
        }
        mlp.forward(batch);
        for (int b = 0; b < batch; b++) {
            double tr = 0;
            for (int j = 0; j < n; j++) {
                int r = b * n + j;
                v[r] = mlp.first(r);
                tr += mlp.second(r);
            }
            double weyl = 0;
            for (int j = 0; j < n; j++) {
                for (int k = j + 1; k < n; k++) {
                    double half = 0.5 * (theta[b * n + j] - theta[b * n + k]);
                    weyl += Math.cos(half) / Math.sin(half) * (v[b * n + j] - v[b * n + k]);
                }
            }
            div[b] = tr + weyl;
            if (phi != null) {
                phi[b] = mlp.potential(b);
            }
        }
    }

    /**
     * The vector–Jacobian product of the last {@link #field} call: given cotangents {@code gv [B·n]} of the
     * velocity and {@code gdiv [B]} of the divergence, adds the weight gradients to the network's and writes the
     * angles' cotangent into {@code gTheta [B·n]} (overwritten).
     */
    @Override
    void backward(double[] theta, int batch, double[] v, double[] gv, double[] gdiv, double[] gTheta) {
        int rows = batch * n;
        int features = mlp.features;
        Arrays.fill(gTheta, 0, rows, 0.0);
        System.arraycopy(gv, 0, gvTotal, 0, rows);
        // the Weyl term Σ_{j<k} cot((θ_j − θ_k)/2)(v_j − v_k)
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < n; j++) {
                gSecond[b * n + j] = gdiv[b];
                for (int k = j + 1; k < n; k++) {
                    double half = 0.5 * (theta[b * n + j] - theta[b * n + k]);
                    double c = Math.cos(half) / Math.sin(half);
                    double g = gdiv[b];
                    gvTotal[b * n + j] += g * c;
                    gvTotal[b * n + k] -= g * c;
                    double gx = -g * (v[b * n + j] - v[b * n + k]) * (1 + c * c) * 0.5;
                    gTheta[b * n + j] += gx;
                    gTheta[b * n + k] -= gx;
                }
            }
        }
        // v_j = DΦ along P e_j, tr(P∇²Φ) = Σ_j D²Φ along P e_j
        mlp.backward(batch, gvTotal, gSecond);
        double[] gf = mlp.gf;
        double[] gTan = mlp.gTan;
        double[] gSec = mlp.gSec;
        // features → angles
        double diag = 1.0 - 2.0 / n;
        double all = 1.0 / ((double) n * n);
        for (int b = 0; b < batch; b++) {
            for (int k = 1; k <= n; k++) {
                double gfc = gf[b * features + 2 * k - 2];
                double gfs = gf[b * features + 2 * k - 1];
                double sumTc = 0;
                double sumTs = 0;
                double sumSc = 0;
                double sumSs = 0;
                for (int j = 0; j < n; j++) {
                    int ro = (b * n + j) * features;
                    sumTc += gTan[ro + 2 * k - 2];
                    sumTs += gTan[ro + 2 * k - 1];
                    sumSc += gSec[ro + 2 * k - 2];
                    sumSs += gSec[ro + 2 * k - 1];
                }
                double k2 = (double) k * k;
                double k3 = k2 * k;
                for (int i = 0; i < n; i++) {
                    int ro = (b * n + i) * features;
                    double c = Math.cos(k * theta[b * n + i]);
                    double s = Math.sin(k * theta[b * n + i]);
                    gTheta[b * n + i] += -k * s * gfc + k * c * gfs
                            - k2 * c * (gTan[ro + 2 * k - 2] - sumTc / n)
                            - k2 * s * (gTan[ro + 2 * k - 1] - sumTs / n)
                            + k3 * s * (diag * gSec[ro + 2 * k - 2] + all * sumSc)
                            - k3 * c * (diag * gSec[ro + 2 * k - 1] + all * sumSs);
                }
            }
        }
    }

    /**
     * A training loss and its weight gradients (into the network's, overwritten): with a target, the reverse KL
     * {@code mean(log q(θ_1) − S(θ_1))} over base angles {@code theta [B·n]} pushed forward; without one, the
     * negative log-likelihood {@code −mean log q(θ)} of data angles {@code theta}, integrated backward to the base
     * (whose density is constant). The flow first, then its reverse mode stage by stage.
     */
    double lossAndGradients(double[] theta0, int batch, int steps, SuTarget target) {
        boolean forwardInTime = target != null;
        int rows = batch * n;
        double[][] stages = new double[steps * 5][rows];
        double[] theta = theta0.clone();
        double[] logq = new double[batch];
        integrate(theta, batch, steps, forwardInTime, logq, stages);
        double loss = 0;
        double[] gTheta = new double[rows];
        double[] gLogq = new double[batch];
        if (forwardInTime) {
            double beta = target.beta() / n;
            double[] c = target.coefficients();
            for (int b = 0; b < batch; b++) {
                double[] row = Arrays.copyOfRange(theta, b * n, b * n + n);
                loss += logq[b] - target.action(row);
                gLogq[b] = 1.0 / batch;
                for (int i = 0; i < n; i++) {
                    double dS = 0;
                    for (int kk = 1; kk <= c.length; kk++) {
                        dS -= beta * c[kk - 1] * kk * Math.sin(kk * row[i]);
                    }
                    gTheta[b * n + i] = -dS / batch;
                }
            }
        } else {
            for (int b = 0; b < batch; b++) {
                loss -= logq[b];
                gLogq[b] = -1.0 / batch;
            }
        }
        reverse(batch, steps, forwardInTime, stages, gTheta, gLogq);
        return loss / batch;
    }
}
