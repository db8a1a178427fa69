package org.eqflow.core.manifold;

import java.util.Arrays;

/**
 * The potential network of the manifold flows' fused engines, {@code Φ = w3 · tanh(tanh(f W1 + b1) W2 + b2)}, with
 * its first and second directional derivatives along m directions per sample carried forward through both layers,
 * and the vector–Jacobian product of all three (weights and inputs), derived by hand in plain Java loops.
 *
 * <p>The caller writes the features {@code f [B, F]} and, per sample, the m directions' first and second derivatives
 * of the features {@code ḟ, f̈ [B·m, F]} (rows {@code (b, j)}), calls {@link #forward}, and reads
 * {@code Φ}, {@code DΦ = ȧ2 · w3} and {@code D²Φ = ä2 · w3}. {@link #backward} takes cotangents of the
 * directional derivatives, adds the weight gradients and leaves the cotangents of {@code f}, {@code ḟ}, {@code f̈}
 * in {@link #gf}, {@link #gTan}, {@link #gSec} for the caller's chain rule to its coordinates. One layer:
 * {@code a = tanh(z)}, {@code ȧ = tanh'(z) ż}, {@code ä = tanh''(z) ż² + tanh'(z) z̈}.
 */
final class DirectionalMlp {
    final int features;
    final int hidden;
    final int directions;
    /** Weights, row-major: {@code W1 [F, H]}, {@code b1 [H]}, {@code W2 [H, H]}, {@code b2 [H]}, {@code w3 [H]}. */
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
    /** The inputs: features {@code [B, F]}, their first and second directional derivatives {@code [B·m, F]}. */
    double[] f;
    double[] tan;
    double[] sec;
    /** Their cotangents after {@link #backward}. */
    double[] gf;
    double[] gTan;
    double[] gSec;
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
    private double[] gA2d;
    private double[] gA2dd;
    private double[] gZd;
    private double[] gZdd;
    private double[] gz;
    private double[] ga1;
    private double[] gA1d;
    private double[] gA1dd;
    private double[] rowH;

    DirectionalMlp(int features, int hidden, int directions) {
        this.features = features;
        this.hidden = hidden;
        this.directions = directions;
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
    }

    void zeroGradients() {
        Arrays.fill(gw1, 0);
        Arrays.fill(gb1, 0);
        Arrays.fill(gw2, 0);
        Arrays.fill(gb2, 0);
        Arrays.fill(gw3, 0);
    }

    /** Makes room for {@code batch} samples (the input arrays keep their values only while the batch fits). */
    void ensure(int batch) {
        if (batch <= capacity) {
            return;
        }
        capacity = batch;
        int rows = batch * directions;
        f = new double[batch * features];
        tan = new double[rows * features];
        sec = new double[rows * features];
        gf = new double[batch * features];
        gTan = new double[rows * features];
        gSec = new double[rows * features];
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
        gA2d = new double[rows * hidden];
        gA2dd = new double[rows * hidden];
        gZd = new double[rows * hidden];
        gZdd = new double[rows * hidden];
        gz = new double[batch * hidden];
        ga1 = new double[batch * hidden];
        gA1d = new double[rows * hidden];
        gA1dd = new double[rows * hidden];
        rowH = new double[hidden];
    }

    /** Both layers forward from {@link #f}, {@link #tan}, {@link #sec}. */
    void forward(int batch) {
        layerForward(f, batch, tan, sec, w1, b1, features, a1, z1d, z1dd, a1d, a1dd);
        layerForward(a1, batch, a1d, a1dd, w2, b2, hidden, a2, z2d, z2dd, a2d, a2dd);
    }

    /** @return {@code Φ} of sample b */
    double potential(int b) {
        return dot(a2, b * hidden, w3, hidden);
    }

    /** @return the first directional derivative of row {@code r = b·m + j} */
    double first(int r) {
        return dot(a2d, r * hidden, w3, hidden);
    }

    /** @return the second directional derivative of row {@code r = b·m + j} */
    double second(int r) {
        return dot(a2dd, r * hidden, w3, hidden);
    }

    /**
     * The reverse mode of the last {@link #forward}: cotangents {@code gFirst, gSecond [B·m]} of the directional
     * derivatives (the potential itself takes none); adds the weight gradients and writes {@link #gf},
     * {@link #gTan}, {@link #gSec}.
     */
    void backward(int batch, double[] gFirst, double[] gSecond) {
        int h = hidden;
        int rows = batch * directions;
        for (int r = 0; r < rows; r++) {
            double g1 = gFirst[r];
            double g2 = gSecond[r];
            for (int u = 0; u < h; u++) {
                gw3[u] += g1 * a2d[r * h + u] + g2 * a2dd[r * h + u];
                gA2d[r * h + u] = g1 * w3[u];
                gA2dd[r * h + u] = g2 * w3[u];
            }
        }
        layerBackward(a1, a1d, a1dd, batch, h, w2, gb2, gw2, a2, z2d, z2dd, gA2d, gA2dd, null, ga1, gA1d, gA1dd);
        layerBackward(f, tan, sec, batch, features, w1, gb1, gw1, a1, z1d, z1dd, gA1d, gA1dd, ga1, gf, gTan, gSec);
    }

    private void layerForward(double[] x, int batch, double[] xd, double[] xdd, double[] w, double[] bias, int in,
                              double[] a, double[] zd, double[] zdd, double[] ad, double[] add) {
        int h = hidden;
        int m = directions;
        matmul(x, batch, in, w, h, a);
        matmul(xd, batch * m, in, w, h, zd);
        matmul(xdd, batch * m, in, w, h, zdd);
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < h; u++) {
                a[b * h + u] = Math.tanh(a[b * h + u] + bias[u]);
            }
            for (int j = 0; j < m; j++) {
                int r = (b * m + j) * h;
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
     * Reverse mode of {@link #layerForward}: from the cotangents of {@code ȧ}, {@code ä} (and of {@code a}, if
     * {@code ga} is not null) to those of the inputs {@code x}, {@code ẋ}, {@code ẍ}; adds the weight gradients.
     */
    private void layerBackward(double[] x, double[] xd, double[] xdd, int batch, int in, double[] w, double[] gb, double[] gw,
                               double[] a, double[] zd, double[] zdd, double[] gAd, double[] gAdd, double[] ga,
                               double[] gx, double[] gXd, double[] gXdd) {
        int h = hidden;
        int m = directions;
        for (int b = 0; b < batch; b++) {
            Arrays.fill(rowH, 0);   // cotangent of tanh'
            double[] gdd = gz;      // scratch: row b of gz holds the cotangent of tanh'' first
            for (int u = 0; u < h; u++) {
                gdd[b * h + u] = 0;
            }
            for (int j = 0; j < m; j++) {
                int r = (b * m + j) * h;
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
        matmulTransA(xd, batch * m, in, gZd, h, gw);
        matmulTransA(xdd, batch * m, in, gZdd, h, gw);
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < h; u++) {
                gb[u] += gz[b * h + u];
            }
        }
        matmulTransB(gz, batch, h, w, in, gx);
        matmulTransB(gZd, batch * m, h, w, in, gXd);
        matmulTransB(gZdd, batch * m, h, w, in, gXdd);
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
