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
 * {@code b2 [H]}, {@code w3 [H]}, F = 2n + 1 features ({@code Σ_j cos kθ_j}, {@code Σ_j sin kθ_j}, t).
 * The reverse mode recomputes each stage's forward pass instead of keeping it (memory of one stage).
 */
final class SpectralKernel {
    final int n;
    final int hidden;
    final int features;
    /** Weights, row-major; the caller keeps them current ({@link SpectralFlow} copies before each use). */
    final double[] w1;
    final double[] b1;
    final double[] w2;
    final double[] b2;
    final double[] w3;

    /** Weight gradients, same layout, accumulated by {@link #backward}. */
    final double[] gw1;
    final double[] gb1;
    final double[] gw2;
    final double[] gb2;
    final double[] gw3;

    private int capacity = -1;
    // forward intermediates of one field evaluation
    private double[] f;
    private double[] tan;
    private double[] sec;
    private double[] a1;
    private double[] a1d;
    private double[] a1dd;
    private double[] z1d;
    private double[] z1dd;
    private double[] a2;
    private double[] a2d;
    private double[] a2dd;
    private double[] z2d;
    private double[] z2dd;
    // reverse-mode scratch
    private double[] gvTotal;
    private double[] gA2d;
    private double[] gA2dd;
    private double[] gZd;
    private double[] gZdd;
    private double[] gz;
    private double[] ga1;
    private double[] gA1d;
    private double[] gA1dd;
    private double[] gf;
    private double[] gTan;
    private double[] gSec;
    private double[] rowH;
    /** cos kθ_j and sin kθ_j of one sample and power k. */
    private final double[] cosK;
    private final double[] sinK;

    SpectralKernel(int n, int hidden) {
        this.n = n;
        this.hidden = hidden;
        this.features = 2 * n + 1;
        w1 = new double[features * hidden];
        b1 = new double[hidden];
        w2 = new double[hidden * hidden];
        b2 = new double[hidden];
        w3 = new double[hidden];
        gw1 = new double[w1.length];
        gb1 = new double[hidden];
        gw2 = new double[w2.length];
        gb2 = new double[hidden];
        gw3 = new double[hidden];
        cosK = new double[n];
        sinK = new double[n];
    }

    void zeroGradients() {
        Arrays.fill(gw1, 0);
        Arrays.fill(gb1, 0);
        Arrays.fill(gw2, 0);
        Arrays.fill(gb2, 0);
        Arrays.fill(gw3, 0);
    }

    private void ensure(int batch) {
        if (batch <= capacity) {
            return;
        }
        capacity = batch;
        int rows = batch * n;
        f = new double[batch * features];
        tan = new double[rows * features];
        sec = new double[rows * features];
        a1 = new double[batch * hidden];
        a2 = new double[batch * hidden];
        a1d = new double[rows * hidden];
        a1dd = new double[rows * hidden];
        z1d = new double[rows * hidden];
        z1dd = new double[rows * hidden];
        a2d = new double[rows * hidden];
        a2dd = new double[rows * hidden];
        z2d = new double[rows * hidden];
        z2dd = new double[rows * hidden];
        gvTotal = new double[rows];
        gA2d = new double[rows * hidden];
        gA2dd = new double[rows * hidden];
        gZd = new double[rows * hidden];
        gZdd = new double[rows * hidden];
        gz = new double[batch * hidden];
        ga1 = new double[batch * hidden];
        gA1d = new double[rows * hidden];
        gA1dd = new double[rows * hidden];
        gf = new double[batch * features];
        gTan = new double[rows * features];
        gSec = new double[rows * features];
        rowH = new double[hidden];
    }

    /**
     * The field at angles {@code theta [B·n]} and time t: velocity {@code v [B·n]}, divergence {@code div [B]}
     * and (if not null) the potential {@code phi [B]}. Keeps the intermediates for {@link #backward}.
     */
    void field(double[] theta, int batch, double t, double[] v, double[] div, double[] phi) {
        ensure(batch);
        int rows = batch * n;
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
        layerForward(f, batch, tan, sec, w1, b1, features, a1, z1d, z1dd, a1d, a1dd);
        layerForward(a1, batch, a1d, a1dd, w2, b2, hidden, a2, z2d, z2dd, a2d, a2dd);
        for (int b = 0; b < batch; b++) {
            double tr = 0;
            for (int j = 0; j < n; j++) {
                int r = b * n + j;
                v[r] = dot(a2d, r * hidden, w3, hidden);
                tr += dot(a2dd, r * hidden, w3, hidden);
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
                phi[b] = dot(a2, b * hidden, w3, hidden);
            }
        }
    }

    /**
     * One tanh layer with its first and second directional derivatives: {@code a = tanh(x W + b)},
     * {@code ȧ = tanh' ⊙ (ẋ W)}, {@code ä = tanh'' ⊙ (ẋ W)² + tanh' ⊙ (ẍ W)}, n direction rows per sample.
     */
    private void layerForward(double[] x, int batch, double[] xd, double[] xdd, double[] w, double[] bias, int in,
                              double[] a, double[] zd, double[] zdd, double[] ad, double[] add) {
        int h = hidden;
        matmul(x, batch, in, w, h, a);
        matmul(xd, batch * n, in, w, h, zd);
        matmul(xdd, batch * n, in, w, h, zdd);
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < h; u++) {
                a[b * h + u] = Math.tanh(a[b * h + u] + bias[u]);
            }
            for (int j = 0; j < n; j++) {
                int r = (b * n + j) * h;
                for (int u = 0; u < h; u++) {
                    double y = a[b * h + u];
                    double d = 1 - y * y;
                    double dd = -2 * y * d;
                    double zdot = zd[r + u];
                    ad[r + u] = d * zdot;
                    add[r + u] = dd * zdot * zdot + d * zdd[r + u];
                }
            }
        }
    }

    /**
     * The vector–Jacobian product of the last {@link #field} call: given cotangents {@code gv [B·n]} of the
     * velocity and {@code gdiv [B]} of the divergence, adds the weight gradients to {@code g*} and writes the
     * angles' cotangent into {@code gTheta [B·n]} (overwritten).
     */
    void backward(double[] theta, int batch, double[] v, double[] gv, double[] gdiv, double[] gTheta) {
        int rows = batch * n;
        int h = hidden;
        Arrays.fill(gTheta, 0, rows, 0.0);
        System.arraycopy(gv, 0, gvTotal, 0, rows);
        // the Weyl term Σ_{j<k} cot((θ_j − θ_k)/2)(v_j − v_k)
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < n; j++) {
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
        // v_j = ȧ2_j · w3, tr = Σ_j ä2_j · w3
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < n; j++) {
                int r = b * n + j;
                double gvr = gvTotal[r];
                double gd = gdiv[b];
                for (int u = 0; u < h; u++) {
                    gw3[u] += gvr * a2d[r * h + u] + gd * a2dd[r * h + u];
                    gA2d[r * h + u] = gvr * w3[u];
                    gA2dd[r * h + u] = gd * w3[u];
                }
            }
        }
        layerBackward(a1, a1d, a1dd, batch, h, w2, gb2, gw2, a2, z2d, z2dd, gA2d, gA2dd, null, ga1, gA1d, gA1dd);
        layerBackward(f, tan, sec, batch, features, w1, gb1, gw1, a1, z1d, z1dd, gA1d, gA1dd, ga1, gf, gTan, gSec);
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
     * Reverse mode of {@link #layerForward}: from the cotangents of {@code ȧ}, {@code ä} (and of {@code a}, if
     * {@code ga} is not null) to those of the inputs {@code x}, {@code ẋ}, {@code ẍ}; adds the weight gradients.
     */
    private void layerBackward(double[] x, double[] xd, double[] xdd, int batch, int in, double[] w, double[] gb, double[] gw,
                               double[] a, double[] zd, double[] zdd, double[] gAd, double[] gAdd, double[] ga,
                               double[] gx, double[] gXd, double[] gXdd) {
        int h = hidden;
        for (int b = 0; b < batch; b++) {
            Arrays.fill(rowH, 0);   // cotangent of tanh'
            double[] gdd = gz;      // scratch row b of gz holds the cotangent of tanh'' first
            for (int u = 0; u < h; u++) {
                gdd[b * h + u] = 0;
            }
            for (int j = 0; j < n; j++) {
                int r = (b * n + j) * h;
                for (int u = 0; u < h; u++) {
                    double y = a[b * h + u];
                    double d = 1 - y * y;
                    double dd = -2 * y * d;
                    double zdot = zd[r + u];
                    double gadd = gAdd[r + u];
                    double gad = gAd[r + u];
                    gZdd[r + u] = gadd * d;
                    gZd[r + u] = gadd * 2 * dd * zdot + gad * d;
                    rowH[u] += gadd * zdd[r + u] + gad * zdot;
                    gdd[b * h + u] += gadd * zdot * zdot;
                }
            }
            for (int u = 0; u < h; u++) {
                double y = a[b * h + u];
                double d = 1 - y * y;
                double gDd = gdd[b * h + u];
                double gD = rowH[u] + gDd * (-2 * y);
                double gy = gDd * (-2 * d) + gD * (-2 * y) + (ga == null ? 0 : ga[b * h + u]);
                gz[b * h + u] = gy * d;
            }
        }
        // z = x W + b, ż = ẋ W, z̈ = ẍ W
        matmulTransA(x, batch, in, gz, h, gw);
        matmulTransA(xd, batch * n, in, gZd, h, gw);
        matmulTransA(xdd, batch * n, in, gZdd, h, gw);
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < h; u++) {
                gb[u] += gz[b * h + u];
            }
        }
        matmulTransB(gz, batch, h, w, in, gx);
        matmulTransB(gZd, batch * n, h, w, in, gXd);
        matmulTransB(gZdd, batch * n, h, w, in, gXdd);
    }

    /**
     * Runge–Kutta from t = 0 to 1 ({@code forwardInTime}) or from 1 to 0, as {@link SpectralFlow}'s graph: the
     * end angles overwrite {@code theta}, and {@code logq [B]} gets {@code −∫_0^1 div dt} along the path.
     *
     * @param stages if not null, {@code [steps·4][B·n]}: the input angles of each stage (for the reverse mode)
     */
    void integrate(double[] theta, int batch, int steps, boolean forwardInTime, double[] logq, double[][] stages) {
        int rows = batch * n;
        double h = (forwardInTime ? 1.0 : -1.0) / steps;
        double[][] k = new double[4][rows];
        double[][] d = new double[4][batch];
        double[] x = new double[rows];
        Arrays.fill(logq, 0, batch, 0.0);
        for (int step = 0; step < steps; step++) {
            double t = forwardInTime ? step / (double) steps : 1.0 - step / (double) steps;
            for (int stage = 0; stage < 4; stage++) {
                double scale = stage == 0 ? 0 : stage == 3 ? h : h / 2;
                for (int i = 0; i < rows; i++) {
                    x[i] = stage == 0 ? theta[i] : theta[i] + k[stage - 1][i] * scale;
                }
                if (stages != null) {
                    System.arraycopy(x, 0, stages[step * 4 + stage], 0, rows);
                }
                field(x, batch, t + STAGE_TIME[stage] * h, k[stage], d[stage], null);
            }
            for (int i = 0; i < rows; i++) {
                theta[i] += (k[0][i] + k[1][i] * 2.0 + k[2][i] * 2.0 + k[3][i]) * (h / 6);
            }
            for (int b = 0; b < batch; b++) {
                logq[b] -= (d[0][b] + d[1][b] * 2.0 + d[2][b] * 2.0 + d[3][b]) * (Math.abs(h) / 6);
            }
        }
    }

    private static final double[] STAGE_TIME = {0, 0.5, 0.5, 1};

    /**
     * A training loss and its weight gradients (into {@code g*}, overwritten): with a target, the reverse KL
     * {@code mean(log q(θ_1) − S(θ_1))} over base angles {@code theta [B·n]} pushed forward; without one, the
     * negative log-likelihood {@code −mean log q(θ)} of data angles {@code theta}, integrated backward to the base
     * (whose density is constant). The flow first, then its reverse mode stage by stage.
     */
    double lossAndGradients(double[] theta0, int batch, int steps, SuTarget target) {
        boolean forwardInTime = target != null;
        int rows = batch * n;
        double[][] stages = new double[steps * 4][rows];
        double[] theta = theta0.clone();
        double[] logq = new double[batch];
        integrate(theta, batch, steps, forwardInTime, logq, stages);
        double loss = 0;
        double[] gTheta = new double[rows];
        if (forwardInTime) {
            double beta = target.beta() / n;
            double[] c = target.coefficients();
            for (int b = 0; b < batch; b++) {
                double[] row = Arrays.copyOfRange(theta, b * n, b * n + n);
                loss += logq[b] - target.action(row);
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
            }
        }
        // log q = −Σ (|h|/6)(d1 + 2 d2 + 2 d3 + d4): the divergence's cotangent is ∓(1/B)(|h|/6)(1, 2, 2, 1)
        double sign = forwardInTime ? -1 : 1;
        zeroGradients();
        double h = (forwardInTime ? 1.0 : -1.0) / steps;
        double[][] gk = new double[4][rows];
        double[] gd = new double[batch];
        double[] gx = new double[rows];
        double[] v = new double[rows];
        double[] div = new double[batch];
        double[] stageWeight = {1, 2, 2, 1};
        for (int step = steps - 1; step >= 0; step--) {
            double t = forwardInTime ? step / (double) steps : 1.0 - step / (double) steps;
            for (int s = 0; s < 4; s++) {
                for (int i = 0; i < rows; i++) {
                    gk[s][i] = gTheta[i] * stageWeight[s] * h / 6;
                }
            }
            for (int s = 3; s >= 0; s--) {
                Arrays.fill(gd, 0, batch, sign * stageWeight[s] * Math.abs(h) / 6 / batch);
                double[] x = stages[step * 4 + s];
                field(x, batch, t + STAGE_TIME[s] * h, v, div, null);
                backward(x, batch, v, gk[s], gd, gx);
                double scale = s == 3 ? h : h / 2;
                for (int i = 0; i < rows; i++) {
                    gTheta[i] += gx[i];
                    if (s > 0) {
                        gk[s - 1][i] += gx[i] * scale;
                    }
                }
            }
        }
        return loss / batch;
    }

    private static double dot(double[] a, int offset, double[] b, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) {
            s += a[offset + i] * b[i];
        }
        return s;
    }

    /** {@code c[r, m] = a[r, k] · b[k, m]}. */
    static void matmul(double[] a, int r, int k, double[] b, int m, double[] c) {
        Arrays.fill(c, 0, r * m, 0.0);
        for (int i = 0; i < r; i++) {
            int co = i * m;
            for (int p = 0; p < k; p++) {
                double x = a[i * k + p];
                if (x == 0) {
                    continue;
                }
                int bo = p * m;
                for (int j = 0; j < m; j++) {
                    c[co + j] += x * b[bo + j];
                }
            }
        }
    }

    /** {@code c[k, m] += a[r, k]ᵀ · b[r, m]}. */
    static void matmulTransA(double[] a, int r, int k, double[] b, int m, double[] c) {
        for (int i = 0; i < r; i++) {
            int bo = i * m;
            for (int p = 0; p < k; p++) {
                double x = a[i * k + p];
                if (x == 0) {
                    continue;
                }
                int co = p * m;
                for (int j = 0; j < m; j++) {
                    c[co + j] += x * b[bo + j];
                }
            }
        }
    }

    /** {@code c[r, k] = a[r, m] · b[k, m]ᵀ}. */
    static void matmulTransB(double[] a, int r, int m, double[] b, int k, double[] c) {
        for (int i = 0; i < r; i++) {
            int ao = i * m;
            for (int p = 0; p < k; p++) {
                int bo = p * m;
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += a[ao + j] * b[bo + j];
                }
                c[i * k + p] = s;
            }
        }
    }
}
