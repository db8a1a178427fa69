package org.eqflow.core.fused;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The G-residual flow's log-density and its exact gradient, hand-derived on the Java heap: the same
 * mathematics as the SameDiff graph of {@code finite.ResidualBlock} (which defines the model; the parity test
 * holds the two to 1e-9 in float64), without the graph's per-operation overhead, which dominates a step of
 * this many small operations (PERF-NOTES).
 *
 * <p>Rows of the stacked images are ordered {@code (point b, element h)}, as in the graph. For each block,
 * with {@code act(a) = a σ(βa)/1.1} (a learned sharpness β per hidden unit) and {@code s = act'}:
 * <pre>
 *   I = [R_h x_b]                       A1 = I W1 + b1   A2 = act(A1) W2 + b2   F = act(A2) W3 + b3
 *   g_b = |G|⁻¹ Σ_h R_hᵀ F_{b,h}        y = x + g
 *   T1_i = (R_h e_i)ᵀ W1 ⊙ s(A1)        T2_i = T1_i W2 ⊙ s(A2)   T3_i = T2_i W3   (tangents along e_i)
 *   M_b[i][j] = δ_ij + |G|⁻¹ Σ_h (R_hᵀ T3_{i,b,h})_j          log det M_b
 * </pre>
 * and the loss {@code −mean_b [log N(z_b) + Σ_blocks log det M_b]}. The backward pass runs each line in
 * reverse; {@code ∂ log det M / ∂M = M⁻ᵀ}, and the tangents' dependence on {@code A1}, {@code A2} brings in
 * {@code act''}. The {@code d} tangents are stacked into one {@code [d·B·|G|, h]} matrix so that each layer is
 * one matrix product.
 */
public final class ResidualKernel {
    private static final double LIPSWISH = 1.1;

    private final int d;
    private final int hidden;
    private final int blocks;
    private final int order;
    private final double[][][] elements;
    private final Blas blas;
    private final HostArrays host = new HostArrays();
    private final Map<String, Dense> pool = new java.util.HashMap<>();

    /** The loss, each point's log-density (model units) and the gradient of every parameter (c order). */
    public record Result(double loss, double[] logDensity, Map<String, double[]> gradients) {
    }

    /**
     * @param elements the group's elements {@code R_h} ({@code d × d})
     * @param type     the model's precision (of the matrix products; element-wise work runs in double)
     */
    public ResidualKernel(int d, int hidden, int blocks, List<double[][]> elements, DataType type) {
        this.d = d;
        this.hidden = hidden;
        this.blocks = blocks;
        this.order = elements.size();
        this.elements = elements.toArray(new double[0][][]);
        this.blas = new Blas(type);
    }

    /** The weights of one block, read from the live parameter arrays. */
    private final class Weights {
        final Dense[] w = new Dense[3];
        final Dense[] b = new Dense[3];
        final Dense[] beta = new Dense[2];

        Weights(Map<String, INDArray> params, int k) {
            int[][] shapes = {{d, hidden}, {hidden, hidden}, {hidden, d}};
            for (int l = 0; l < 3; l++) {
                w[l] = read(params.get("b" + k + "W" + (l + 1)), shapes[l][0], shapes[l][1]);
                b[l] = read(params.get("b" + k + "b" + (l + 1)), 1, shapes[l][1]);
                if (l < 2) {
                    beta[l] = read(params.get("b" + k + "beta" + (l + 1)), 1, shapes[l][1]);
                }
            }
        }

        private Dense read(INDArray a, int rows, int cols) {
            Dense m = new Dense(rows, cols);
            host.read(a, m.v);
            return m;
        }
    }

    /** What one block's forward pass keeps for the backward pass. */
    private static final class Tape {
        Dense x;
        Dense images;
        Dense a1;
        Dense sig1;
        Dense s1;
        Dense h1;
        Dense a2;
        Dense sig2;
        Dense s2;
        Dense h2;
        Dense t1;
        Dense u2;
        Dense t2;
        double[] inverse;   // M⁻¹ per point, [n, d, d]
        double[] p;         // P_i[h] = (R_h e_i)ᵀ W1, [d, |G|, hidden]
    }

    /**
     * A work matrix of block {@code k}, kept between calls with the same batch size: a step then allocates no
     * large arrays (fresh ones cost page faults and collections that, measured, made a step several times slower).
     */
    private Dense work(int k, String name, int rows, int cols, boolean zero) {
        Dense m = pool.get(k + name);
        if (m == null || m.rows != rows || m.cols != cols) {
            m = new Dense(rows, cols);
            pool.put(k + name, m);
        } else if (zero) {
            m.zero();
        }
        return m;
    }

    /**
     * {@code g_k(x)} of block {@code k} alone for {@code n} points (row-major, model units): what the inverse's
     * fixed-point iteration evaluates, without the Jacobian.
     */
    public double[] residual(Map<String, INDArray> params, int k, double[] x, int n) {
        Weights w = new Weights(params, k);
        Dense in = new Dense(n, d);
        System.arraycopy(x, 0, in.v, 0, n * d);
        Tape t = hiddenLayers(w, in, -1);
        Dense y = next(t, w, -1);
        double[] g = new double[n * d];
        for (int e = 0; e < n * d; e++) {
            g[e] = y.v[e] - x[e];
        }
        return g;
    }

    /** {@code log p} of each of the {@code n} points {@code x} (row-major, model units). */
    public double[] logDensity(Map<String, INDArray> params, double[] x, int n) {
        return run(params, x, n, false).logDensity();
    }

    /** The loss {@code −mean log p}, the log-densities and the gradients at a batch (row-major, model units). */
    public Result evaluate(Map<String, INDArray> params, double[] x, int n) {
        return run(params, x, n, true);
    }

    private Result run(Map<String, INDArray> params, double[] x0, int n, boolean gradients) {
        Weights[] weights = new Weights[blocks];
        Tape[] tapes = new Tape[blocks];
        Dense x = new Dense(n, d);
        System.arraycopy(x0, 0, x.v, 0, n * d);
        double[] logp = new double[n];
        for (int k = 0; k < blocks; k++) {
            weights[k] = new Weights(params, k);
            Tape tape = forward(weights[k], x, logp, k);
            x = next(tape, weights[k], k);
            tapes[k] = gradients ? tape : null;
        }
        double loss = 0;
        for (int b = 0; b < n; b++) {
            double sq = 0;
            for (int i = 0; i < d; i++) {
                sq += x.v[b * d + i] * x.v[b * d + i];
            }
            logp[b] += -0.5 * sq - 0.5 * d * Math.log(2 * Math.PI);
            loss -= logp[b] / n;
        }
        if (!gradients) {
            return new Result(loss, logp, Map.of());
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        Dense yBar = new Dense(n, d);
        yBar.setScaled(1.0 / n, x);                    // ∂(−mean log N(z))/∂z = z / n
        for (int k = blocks - 1; k >= 0; k--) {
            yBar = backward(weights[k], tapes[k], yBar, n, grads, k);
        }
        return new Result(loss, logp, grads);
    }

    /** The block's images and hidden layers (pre-activations, activations, their sigmoids and slopes) on a new tape. */
    private Tape hiddenLayers(Weights w, Dense x, int k) {
        int rows = x.rows * order;
        Tape t = new Tape();
        t.x = x;
        t.images = work(k, "images", rows, d, false);
        stackImages(x, t.images);
        t.a1 = work(k, "a1", rows, hidden, false);
        blas.gemm(t.images, false, w.w[0], false, t.a1, 1, 0);
        t.a1.addRow(w.b[0]);
        t.h1 = work(k, "h1", rows, hidden, false);
        t.s1 = work(k, "s1", rows, hidden, false);
        t.sig1 = work(k, "sig1", rows, hidden, false);
        activate(t.a1, w.beta[0], t.sig1, t.h1, t.s1);
        t.a2 = work(k, "a2", rows, hidden, false);
        blas.gemm(t.h1, false, w.w[1], false, t.a2, 1, 0);
        t.a2.addRow(w.b[1]);
        t.h2 = work(k, "h2", rows, hidden, false);
        t.s2 = work(k, "s2", rows, hidden, false);
        t.sig2 = work(k, "sig2", rows, hidden, false);
        activate(t.a2, w.beta[1], t.sig2, t.h2, t.s2);
        return t;
    }

    /** One block forward: fills a tape and adds {@code log det M} to {@code logp}. */
    private Tape forward(Weights w, Dense x, double[] logp, int k) {
        int n = x.rows;
        int rows = n * order;
        Tape t = hiddenLayers(w, x, k);

        // Tangents along e_i, stacked: row (i, b, h).
        t.p = new double[d * order * hidden];
        for (int i = 0; i < d; i++) {
            for (int h = 0; h < order; h++) {
                int o = (i * order + h) * hidden;
                for (int j = 0; j < d; j++) {
                    double c = elements[h][j][i];
                    if (c != 0) {
                        for (int m = 0; m < hidden; m++) {
                            t.p[o + m] += c * w.w[0].v[j * hidden + m];
                        }
                    }
                }
            }
        }
        t.t1 = work(k, "t1", d * rows, hidden, false);
        for (int i = 0; i < d; i++) {
            for (int r = 0; r < rows; r++) {
                int po = (i * order + r % order) * hidden;
                int o = (i * rows + r) * hidden;
                int so = r * hidden;
                for (int m = 0; m < hidden; m++) {
                    t.t1.v[o + m] = t.p[po + m] * t.s1.v[so + m];
                }
            }
        }
        t.u2 = work(k, "u2", d * rows, hidden, false);
        blas.gemm(t.t1, false, w.w[1], false, t.u2, 1, 0);
        t.t2 = work(k, "t2", d * rows, hidden, false);
        for (int i = 0; i < d; i++) {
            int o = i * rows * hidden;
            for (int e = 0; e < rows * hidden; e++) {
                t.t2.v[o + e] = t.u2.v[o + e] * t.s2.v[e];
            }
        }
        Dense t3 = work(k, "t3", d * rows, d, false);
        blas.gemm(t.t2, false, w.w[2], false, t3, 1, 0);
        t.inverse = new double[n * d * d];
        double[] m = new double[d * d];
        for (int b = 0; b < n; b++) {
            java.util.Arrays.fill(m, 0);
            for (int i = 0; i < d; i++) {
                m[i * d + i] = 1;
                for (int h = 0; h < order; h++) {
                    double[][] r = elements[h];
                    int o = (i * rows + b * order + h) * d;
                    for (int j = 0; j < d; j++) {
                        double s = 0;
                        for (int q = 0; q < d; q++) {
                            s += t3.v[o + q] * r[q][j];
                        }
                        m[i * d + j] += s / order;
                    }
                }
            }
            logp[b] += invertAndLogDet(m, t.inverse, b * d * d, d);
        }
        return t;
    }

    /** Row {@code (b, h)} of {@code images} ← {@code R_h x_b}. */
    private void stackImages(Dense x, Dense images) {
        int n = x.rows;
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < order; h++) {
                double[][] r = elements[h];
                int o = (b * order + h) * d;
                for (int i = 0; i < d; i++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += r[i][j] * x.v[b * d + j];
                    }
                    images.v[o + i] = s;
                }
            }
        }
    }

    /** {@code y = x + g(x)} from a block's tape. */
    private Dense next(Tape t, Weights w, int k) {
        int n = t.x.rows;
        int rows = n * order;
        Dense f = work(k, "f", rows, d, false);
        blas.gemm(t.h2, false, w.w[2], false, f, 1, 0);
        f.addRow(w.b[2]);
        Dense y = new Dense(n, d);
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int h = 0; h < order; h++) {
                    double[][] r = elements[h];
                    int o = (b * order + h) * d;
                    for (int j = 0; j < d; j++) {
                        s += f.v[o + j] * r[j][i];
                    }
                }
                y.v[b * d + i] = t.x.v[b * d + i] + s / order;
            }
        }
        return y;
    }

    /** One block backward: accumulates the block's gradients and returns {@code ∂loss/∂x}. */
    private Dense backward(Weights w, Tape t, Dense yBar, int n, Map<String, double[]> grads, int k) {
        int rows = n * order;
        double inv = 1.0 / order;
        Dense[] wBar = {new Dense(d, hidden), new Dense(hidden, hidden), new Dense(hidden, d)};
        Dense[] bBar = {new Dense(1, hidden), new Dense(1, hidden), new Dense(1, d)};
        Dense[] betaBar = {new Dense(1, hidden), new Dense(1, hidden)};

        // log det: ∂(−(1/n) log det M_b)/∂M_b = −(1/n) M_b⁻ᵀ; M[i][j] = δ + |G|⁻¹ Σ_h Σ_q T3[i,b,h,q] R_h[q][j].
        Dense t3Bar = work(k, "t3Bar", d * rows, d, false);
        for (int b = 0; b < n; b++) {
            int mo = b * d * d;
            for (int i = 0; i < d; i++) {
                for (int h = 0; h < order; h++) {
                    double[][] r = elements[h];
                    int o = (i * rows + b * order + h) * d;
                    for (int q = 0; q < d; q++) {
                        double s = 0;
                        for (int j = 0; j < d; j++) {
                            s += t.inverse[mo + j * d + i] * r[q][j];     // (M⁻ᵀ)[i][j] = M⁻¹[j][i]
                        }
                        t3Bar.v[o + q] = -s * inv / n;
                    }
                }
            }
        }
        blas.gemm(t.t2, true, t3Bar, false, wBar[2], 1, 0);
        Dense t2Bar = work(k, "t2Bar", d * rows, hidden, false);
        blas.gemm(t3Bar, false, w.w[2], true, t2Bar, 1, 0);
        Dense s2Bar = work(k, "s2Bar", rows, hidden, true);
        Dense u2Bar = t2Bar;   // reused in place: u2Bar = t2Bar ⊙ s2
        for (int i = 0; i < d; i++) {
            int o = i * rows * hidden;
            for (int e = 0; e < rows * hidden; e++) {
                double tb = t2Bar.v[o + e];
                s2Bar.v[e] += tb * t.u2.v[o + e];
                u2Bar.v[o + e] = tb * t.s2.v[e];
            }
        }
        blas.gemm(t.t1, true, u2Bar, false, wBar[1], 1, 0);
        Dense t1Bar = work(k, "t1Bar", d * rows, hidden, false);
        blas.gemm(u2Bar, false, w.w[1], true, t1Bar, 1, 0);
        Dense s1Bar = work(k, "s1Bar", rows, hidden, true);
        double[] pBar = new double[d * order * hidden];
        for (int i = 0; i < d; i++) {
            for (int r = 0; r < rows; r++) {
                int po = (i * order + r % order) * hidden;
                int o = (i * rows + r) * hidden;
                int so = r * hidden;
                for (int m = 0; m < hidden; m++) {
                    double tb = t1Bar.v[o + m];
                    s1Bar.v[so + m] += tb * t.p[po + m];
                    pBar[po + m] += tb * t.s1.v[so + m];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int h = 0; h < order; h++) {
                int o = (i * order + h) * hidden;
                for (int j = 0; j < d; j++) {
                    double c = elements[h][j][i];
                    if (c != 0) {
                        for (int m = 0; m < hidden; m++) {
                            wBar[0].v[j * hidden + m] += c * pBar[o + m];
                        }
                    }
                }
            }
        }

        // The residual: g_b[i] = |G|⁻¹ Σ_h Σ_j F[b,h,j] R_h[j][i].
        Dense fBar = work(k, "fBar", rows, d, false);
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < order; h++) {
                double[][] r = elements[h];
                int o = (b * order + h) * d;
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += yBar.v[b * d + i] * r[j][i];
                    }
                    fBar.v[o + j] = s * inv;
                }
            }
        }
        blas.gemm(t.h2, true, fBar, false, wBar[2], 1, 1);
        fBar.addColumnSumsTo(bBar[2]);
        Dense a2Bar = work(k, "a2Bar", rows, hidden, false);
        blas.gemm(fBar, false, w.w[2], true, a2Bar, 1, 0);
        combine(a2Bar, t.s2, s2Bar, t.a2, t.sig2, w.beta[1], betaBar[1]);
        blas.gemm(t.h1, true, a2Bar, false, wBar[1], 1, 1);
        a2Bar.addColumnSumsTo(bBar[1]);
        Dense a1Bar = work(k, "a1Bar", rows, hidden, false);
        blas.gemm(a2Bar, false, w.w[1], true, a1Bar, 1, 0);
        combine(a1Bar, t.s1, s1Bar, t.a1, t.sig1, w.beta[0], betaBar[0]);
        blas.gemm(t.images, true, a1Bar, false, wBar[0], 1, 1);
        a1Bar.addColumnSumsTo(bBar[0]);
        Dense imagesBar = work(k, "imagesBar", rows, d, false);
        blas.gemm(a1Bar, false, w.w[0], true, imagesBar, 1, 0);
        Dense xBar = new Dense(n, d);
        xBar.copyFrom(yBar);
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < order; h++) {
                double[][] r = elements[h];
                int o = (b * order + h) * d;
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += imagesBar.v[o + i] * r[i][j];
                    }
                    xBar.v[b * d + j] += s;
                }
            }
        }
        for (int l = 0; l < 3; l++) {
            grads.put("b" + k + "W" + (l + 1), wBar[l].v);
            grads.put("b" + k + "b" + (l + 1), bBar[l].v);
            if (l < 2) {
                grads.put("b" + k + "beta" + (l + 1), betaBar[l].v);
            }
        }
        return xBar;
    }

    /**
     * With {@code u = βa} (β per column): {@code sig = σ(u)}, {@code h = a σ(u)/1.1},
     * {@code s = σ(u)(1 + u(1 − σ(u)))/1.1}. The sigmoid in double for float64 models; for float32 models the
     * vectorised float sigmoid of {@link Transcendentals}.
     */
    private void activate(Dense a, Dense beta, Dense sig, Dense h, Dense s) {
        int n = a.v.length;
        int cols = a.cols;
        double[] av = a.v;
        double[] bv = beta.v;
        double[] g = sig.v;
        for (int o = 0; o < n; o += cols) {
            for (int c = 0; c < cols; c++) {
                g[o + c] = av[o + c] * bv[c];
            }
        }
        if (blas.isFloat32()) {
            float[] f = floats(n);
            for (int e = 0; e < n; e++) {
                f[e] = (float) g[e];
            }
            Transcendentals.sigmoid(f, n);
            for (int e = 0; e < n; e++) {
                g[e] = f[e];
            }
        } else {
            Transcendentals.sigmoid(g, n);
        }
        double[] hv = h.v;
        double[] sv = s.v;
        for (int o = 0; o < n; o += cols) {
            for (int c = 0; c < cols; c++) {
                int e = o + c;
                double v = av[e];
                double q = g[e];
                double u = v * bv[c];
                hv[e] = v * q / LIPSWISH;
                sv[e] = q * (1 + u * (1 - q)) / LIPSWISH;
            }
        }
    }

    private float[] floatScratch = new float[0];

    private float[] floats(int n) {
        if (floatScratch.length < n) {
            floatScratch = new float[n];
        }
        return floatScratch;
    }

    /**
     * {@code bar ← h̄ ⊙ s + s̄ ⊙ ∂s/∂a} and {@code β̄ += Σ_rows h̄ ∂h/∂β + s̄ ∂s/∂β}, where with {@code u = βa} and
     * {@code φ''(u) = σ(1 − σ)(2 + u(1 − 2σ))}: {@code ∂s/∂a = β φ''/1.1}, {@code ∂h/∂β = a² σ(1 − σ)/1.1},
     * {@code ∂s/∂β = a φ''/1.1}. On entry {@code bar} holds {@code h̄}.
     */
    private static void combine(Dense bar, Dense s, Dense sBar, Dense a, Dense sig, Dense beta, Dense betaBar) {
        double[] b = bar.v;
        double[] sv = s.v;
        double[] sb = sBar.v;
        double[] av = a.v;
        double[] g = sig.v;
        double[] bv = beta.v;
        double[] bb = betaBar.v;
        int cols = bar.cols;
        for (int o = 0; o < b.length; o += cols) {
            for (int c = 0; c < cols; c++) {
                int e = o + c;
                double v = av[e];
                double q = g[e];
                double u = v * bv[c];
                double slope = q * (1 - q);
                double second = slope * (2 + u * (1 - 2 * q));
                double hb = b[e];
                b[e] = hb * sv[e] + sb[e] * bv[c] * second / LIPSWISH;
                bb[c] += (hb * v * v * slope + sb[e] * v * second) / LIPSWISH;
            }
        }
    }

    /**
     * {@code log det m} ({@code d × d}, row-major, destroyed) by Gauss–Jordan elimination with partial
     * pivoting, writing {@code m⁻¹} to {@code out[offset …]}. The determinant is positive for these matrices
     * ({@code I} plus a contraction); a non-positive one gives {@code NaN}.
     */
    static double invertAndLogDet(double[] m, double[] out, int offset, int d) {
        double[] inv = new double[d * d];
        for (int i = 0; i < d; i++) {
            inv[i * d + i] = 1;
        }
        double logDet = 0;
        boolean negative = false;
        for (int c = 0; c < d; c++) {
            int p = c;
            for (int r = c + 1; r < d; r++) {
                if (Math.abs(m[r * d + c]) > Math.abs(m[p * d + c])) {
                    p = r;
                }
            }
            if (p != c) {
                negative = !negative;
                for (int j = 0; j < d; j++) {
                    double tmp = m[c * d + j];
                    m[c * d + j] = m[p * d + j];
                    m[p * d + j] = tmp;
                    tmp = inv[c * d + j];
                    inv[c * d + j] = inv[p * d + j];
                    inv[p * d + j] = tmp;
                }
            }
            double pivot = m[c * d + c];
            negative ^= pivot < 0;
            logDet += Math.log(Math.abs(pivot));
            for (int j = 0; j < d; j++) {
                m[c * d + j] /= pivot;
                inv[c * d + j] /= pivot;
            }
            for (int r = 0; r < d; r++) {
                if (r != c) {
                    double f = m[r * d + c];
                    if (f != 0) {
                        for (int j = 0; j < d; j++) {
                            m[r * d + j] -= f * m[c * d + j];
                            inv[r * d + j] -= f * inv[c * d + j];
                        }
                    }
                }
            }
        }
        System.arraycopy(inv, 0, out, offset, d * d);
        return negative ? Double.NaN : logDet;
    }
}
