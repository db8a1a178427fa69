package org.eqflow.core.finite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.fused.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The coupling flow's log-density and its exact gradient, hand-derived on the Java heap in double precision:
 * the same mathematics as the graph of {@link CouplingLayer} (which defines the model; CouplingFlowTest holds
 * the two to 1e-9 in float64), without the graph's per-operation overhead, which dominates a step of this many
 * small operations. Per layer and point, with the layer's moved points {@code i} and kept points {@code j}:
 * <pre>
 *   f_q = sqrt(|x_j − x_l|² + ε) (|x_j| when j = l)    H1 = tanh(f W1 + b1)   H2 = tanh(H1 W2 + b2)   O = H2 W3 + b3
 *   c, t = C tanh(O/C)   s = S tanh(O/S)   w = softplus(O − 2)   μ = O + μ₀   β = β_max σ(O − 2)
 *   v = Σ_j c_ij x_j   u = x_i − v   r = sqrt(|u|² + τ)   θ_k = tanh(β_k (r − μ_k))   θ⁰_k = tanh(β_k μ_k)
 *   g = e^s + Σ_k w_k (θ_k + θ⁰_k)/r    ρ' = e^s + Σ_k w_k β_k (1 − θ_k²)
 *   y_i = g u + v + Σ_j t_ij x_j        log det += Σ_i log ρ' + log g
 * </pre>
 * The backward pass runs each line in reverse (the chain rule through {@code r} collects the radial terms).
 */
final class CouplingKernel {
    private final int d;
    private final int hidden;
    private final List<CouplingLayer> layers;
    private final HostArrays host = new HostArrays();

    /** The loss, each point's log-density (model units) and the gradient of every parameter (c order). */
    record Result(double loss, double[] logDensity, Map<String, double[]> gradients) {
    }

    CouplingKernel(int d, int hidden, List<CouplingLayer> layers) {
        this.d = d;
        this.hidden = hidden;
        this.layers = layers;
    }

    /** One layer's weights, read from the live parameter arrays. */
    private final class Weights {
        final double[][] w = new double[3][];
        final double[][] b = new double[3][];
        final int[] in = new int[3];
        final int[] out = new int[3];

        Weights(Map<String, INDArray> params, int layer, CouplingLayer shape) {
            int[] sizes = {shape.pairs(), hidden, hidden, shape.outputs()};
            for (int l = 0; l < 3; l++) {
                in[l] = sizes[l];
                out[l] = sizes[l + 1];
                w[l] = new double[in[l] * out[l]];
                b[l] = new double[out[l]];
                host.read(params.get("c" + layer + "W" + (l + 1)), w[l]);
                host.read(params.get("c" + layer + "b" + (l + 1)), b[l]);
            }
        }
    }

    /** What one layer's forward pass keeps for the backward pass. */
    private static final class Tape {
        double[] x;          // the layer's input [n, d]
        double[] features;   // [n, p]
        double[] differences; // x_j − x_l (x_j when j = l) behind each feature [n, p, 2]
        double[] h1;         // [n, h]
        double[] h2;         // [n, h]
        Conditioner c;
        double[] u;          // [n, a, 2]
        double[] r;          // [n, a]
        double[] th;         // [n, a, K]
        double[] t0;         // [n, a, K]
        double[] ratio;      // g [n, a]
        double[] slope;      // ρ' [n, a]
    }

    /** The conditioner's values per point ({@code [n, a, ·]}), as {@link CouplingLayer.Conditioned} gives them. */
    static final class Conditioner {
        double[] out;        // raw outputs O [n, o]
        double[] centreCoef; // c [n, a, b]
        double[] shiftCoef;  // t [n, a, b]
        double[] logScale;   // s [n, a]
        double[] height;     // w [n, a, K]
        double[] position;   // μ [n, a, K]
        double[] sharpness;  // β [n, a, K]
        double[] centre;     // v [n, a, 2]
        double[] shift;      // Σ_j t_ij x_j [n, a, 2]
    }

    /** {@code log p} of each of the {@code n} points {@code x} (row-major, model units). */
    double[] logDensity(Map<String, INDArray> params, double[] x, int n) {
        return run(params, x, n, false).logDensity();
    }

    /** The loss {@code −mean log p}, the log-densities and the gradients at a batch (row-major, model units). */
    Result evaluate(Map<String, INDArray> params, double[] x, int n) {
        return run(params, x, n, true);
    }

    /** Layer {@code l}'s conditioner at points {@code x [n, d]} (it reads only the kept points). */
    Conditioner condition(Map<String, INDArray> params, int l, double[] x, int n) {
        return forwardConditioner(new Weights(params, l, layers.get(l)), layers.get(l), x, n, new Tape());
    }

    private Result run(Map<String, INDArray> params, double[] x0, int n, boolean gradients) {
        int K = CouplingLayer.BUMPS;
        Tape[] tapes = new Tape[layers.size()];
        Weights[] weights = new Weights[layers.size()];
        double[] x = x0.clone();
        double[] logDet = new double[n];
        for (int l = 0; l < layers.size(); l++) {
            CouplingLayer layer = layers.get(l);
            weights[l] = new Weights(params, l, layer);
            Tape t = new Tape();
            t.x = x;
            Conditioner c = forwardConditioner(weights[l], layer, x, n, t);
            int a = layer.moved.length;
            t.c = c;
            t.u = new double[n * a * 2];
            t.r = new double[n * a];
            t.th = new double[n * a * K];
            t.t0 = new double[n * a * K];
            t.ratio = new double[n * a];
            t.slope = new double[n * a];
            double[] y = x.clone();
            for (int row = 0; row < n; row++) {
                for (int i = 0; i < a; i++) {
                    int ri = row * a + i;
                    int p = layer.moved[i];
                    double ux = x[row * d + 2 * p] - c.centre[2 * ri];
                    double uy = x[row * d + 2 * p + 1] - c.centre[2 * ri + 1];
                    double r = Math.sqrt(ux * ux + uy * uy + CouplingLayer.TINY);
                    double e = Math.exp(c.logScale[ri]);
                    double bumps = 0;
                    double slope = e;
                    for (int k = 0; k < K; k++) {
                        int q = ri * K + k;
                        double beta = c.sharpness[q];
                        double th = Math.tanh(beta * (r - c.position[q]));
                        double t0 = Math.tanh(beta * c.position[q]);
                        t.th[q] = th;
                        t.t0[q] = t0;
                        bumps += c.height[q] * (th + t0);
                        slope += c.height[q] * beta * (1 - th * th);
                    }
                    double g = e + bumps / r;
                    t.u[2 * ri] = ux;
                    t.u[2 * ri + 1] = uy;
                    t.r[ri] = r;
                    t.ratio[ri] = g;
                    t.slope[ri] = slope;
                    y[row * d + 2 * p] = g * ux + c.centre[2 * ri] + c.shift[2 * ri];
                    y[row * d + 2 * p + 1] = g * uy + c.centre[2 * ri + 1] + c.shift[2 * ri + 1];
                    logDet[row] += Math.log(slope) + Math.log(g);
                }
            }
            tapes[l] = t;
            x = y;
        }
        double[] logp = new double[n];
        double loss = 0;
        for (int row = 0; row < n; row++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                sq += x[row * d + j] * x[row * d + j];
            }
            logp[row] = -0.5 * sq - 0.5 * d * Math.log(2 * Math.PI) + logDet[row];
            loss -= logp[row] / n;
        }
        if (!gradients) {
            return new Result(loss, logp, Map.of());
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        double[] gy = new double[n * d];
        for (int e = 0; e < gy.length; e++) {
            gy[e] = x[e] / n;
        }
        for (int l = layers.size() - 1; l >= 0; l--) {
            gy = backward(layers.get(l), weights[l], tapes[l], gy, -1.0 / n, n, l, grads);
        }
        Map<String, double[]> ordered = new LinkedHashMap<>();
        for (int l = 0; l < layers.size(); l++) {
            for (String name : new String[] {"W1", "b1", "W2", "b2", "W3", "b3"}) {
                ordered.put("c" + l + name, grads.get("c" + l + name));
            }
        }
        return new Result(loss, logp, ordered);
    }

    private Conditioner forwardConditioner(Weights w, CouplingLayer layer, double[] x, int n, Tape t) {
        int a = layer.moved.length;
        int b = layer.seen.length;
        int p = layer.pairs();
        int K = CouplingLayer.BUMPS;
        double[] f = new double[n * p];
        double[] diff = new double[n * p * 2];
        for (int row = 0; row < n; row++) {
            int q = 0;
            for (int j = 0; j < b; j++) {
                for (int m = j; m < b; m++) {
                    int e = 2 * (row * p + q);
                    diff[e] = x[row * d + 2 * layer.seen[j]] - (m == j ? 0 : x[row * d + 2 * layer.seen[m]]);
                    diff[e + 1] = x[row * d + 2 * layer.seen[j] + 1] - (m == j ? 0 : x[row * d + 2 * layer.seen[m] + 1]);
                    f[row * p + q++] = Math.sqrt(diff[e] * diff[e] + diff[e + 1] * diff[e + 1] + CouplingLayer.FEATURE_SMOOTHING);
                }
            }
        }
        double[] h1 = dense(f, n, w, 0, true);
        double[] h2 = dense(h1, n, w, 1, true);
        double[] o = dense(h2, n, w, 2, false);
        t.features = f;
        t.differences = diff;
        t.h1 = h1;
        t.h2 = h2;
        int outs = layer.outputs();
        Conditioner c = new Conditioner();
        c.out = o;
        c.centreCoef = new double[n * a * b];
        c.shiftCoef = new double[n * a * b];
        c.logScale = new double[n * a];
        c.height = new double[n * a * K];
        c.position = new double[n * a * K];
        c.sharpness = new double[n * a * K];
        c.centre = new double[n * a * 2];
        c.shift = new double[n * a * 2];
        double cMax = CouplingLayer.MAX_COEFFICIENT;
        double sMax = CouplingLayer.MAX_LOG_SCALE;
        for (int row = 0; row < n; row++) {
            int base = row * outs;
            for (int i = 0; i < a; i++) {
                int ri = row * a + i;
                for (int j = 0; j < b; j++) {
                    double cc = cMax * Math.tanh(o[base + i * b + j] / cMax);
                    double tc = cMax * Math.tanh(o[base + a * b + i * b + j] / cMax);
                    c.centreCoef[ri * b + j] = cc;
                    c.shiftCoef[ri * b + j] = tc;
                    int s = layer.seen[j];
                    for (int k = 0; k < 2; k++) {
                        c.centre[2 * ri + k] += cc * x[row * d + 2 * s + k];
                        c.shift[2 * ri + k] += tc * x[row * d + 2 * s + k];
                    }
                }
                c.logScale[ri] = sMax * Math.tanh(o[base + 2 * a * b + i] / sMax);
                for (int k = 0; k < K; k++) {
                    int q = ri * K + k;
                    c.height[q] = softplus(o[base + 2 * a * b + a + i * K + k] + CouplingLayer.HEIGHT_OFFSET);
                    c.position[q] = o[base + 2 * a * b + a + a * K + i * K + k] + (k + 1) * CouplingLayer.BUMP_SPACING;
                    c.sharpness[q] = CouplingLayer.MAX_SHARPNESS
                            * sigmoid(o[base + 2 * a * b + a + 2 * a * K + i * K + k] + CouplingLayer.SHARPNESS_OFFSET);
                }
            }
        }
        return c;
    }

    /** Returns the gradient with respect to the layer's input, accumulating the parameters' gradients. */
    private double[] backward(CouplingLayer layer, Weights w, Tape t, double[] gy, double gLogDet, int n, int index,
                              Map<String, double[]> grads) {
        int a = layer.moved.length;
        int b = layer.seen.length;
        int p = layer.pairs();
        int K = CouplingLayer.BUMPS;
        int outs = layer.outputs();
        Conditioner c = t.c;
        double[] x = t.x;
        double[] gx = gy.clone();           // kept points pass through; moved points' entries are overwritten below
        double[] go = new double[n * outs];
        double cMax = CouplingLayer.MAX_COEFFICIENT;
        double sMax = CouplingLayer.MAX_LOG_SCALE;
        for (int row = 0; row < n; row++) {
            int base = row * outs;
            for (int i = 0; i < a; i++) {
                int ri = row * a + i;
                int pi = layer.moved[i];
                double gyx = gy[row * d + 2 * pi];
                double gyy = gy[row * d + 2 * pi + 1];
                double ux = t.u[2 * ri];
                double uy = t.u[2 * ri + 1];
                double r = t.r[ri];
                double g = t.ratio[ri];
                double gg = gyx * ux + gyy * uy + gLogDet / g;
                double gp = gLogDet / t.slope[ri];
                double e = Math.exp(c.logScale[ri]);
                double gr = 0;
                double bumps = 0;
                for (int k = 0; k < K; k++) {
                    int q = ri * K + k;
                    double wk = c.height[q];
                    double beta = c.sharpness[q];
                    double mu = c.position[q];
                    double th = t.th[q];
                    double t0 = t.t0[q];
                    double dth = 1 - th * th;
                    double dt0 = 1 - t0 * t0;
                    bumps += wk * (th + t0);
                    double gth = gg * wk / r - gp * 2 * wk * beta * th;
                    double gt0 = gg * wk / r;
                    double gw = gg * (th + t0) / r + gp * beta * dth;
                    double gbeta = gp * wk * dth + gth * dth * (r - mu) + gt0 * dt0 * mu;
                    double gmu = -gth * dth * beta + gt0 * dt0 * beta;
                    gr += gth * dth * beta;
                    go[base + 2 * a * b + a + i * K + k] = gw * sigmoid(c.out[base + 2 * a * b + a + i * K + k] + CouplingLayer.HEIGHT_OFFSET);
                    go[base + 2 * a * b + a + a * K + i * K + k] = gmu;
                    go[base + 2 * a * b + a + 2 * a * K + i * K + k] = gbeta * beta * (1 - beta / CouplingLayer.MAX_SHARPNESS);
                }
                gr -= gg * bumps / (r * r);
                double ge = gg + gp;
                double s = c.logScale[ri];
                go[base + 2 * a * b + i] = ge * e * (1 - (s / sMax) * (s / sMax));
                double gux = g * gyx + gr * ux / r;
                double guy = g * gyy + gr * uy / r;
                gx[row * d + 2 * pi] = gux;
                gx[row * d + 2 * pi + 1] = guy;
                double gvx = gyx - gux;
                double gvy = gyy - guy;
                for (int j = 0; j < b; j++) {
                    int sj = layer.seen[j];
                    double xj = x[row * d + 2 * sj];
                    double yj = x[row * d + 2 * sj + 1];
                    double cc = c.centreCoef[ri * b + j];
                    double tc = c.shiftCoef[ri * b + j];
                    go[base + i * b + j] = (gvx * xj + gvy * yj) * (1 - (cc / cMax) * (cc / cMax));
                    go[base + a * b + i * b + j] = (gyx * xj + gyy * yj) * (1 - (tc / cMax) * (tc / cMax));
                    gx[row * d + 2 * sj] += cc * gvx + tc * gyx;
                    gx[row * d + 2 * sj + 1] += cc * gvy + tc * gyy;
                }
            }
        }
        // the conditioner's MLP, from its outputs back to the features
        double[] gh2 = denseBackward(go, t.h2, n, w, 2, grads, "c" + index);
        tanhBackward(gh2, t.h2);
        double[] gh1 = denseBackward(gh2, t.h1, n, w, 1, grads, "c" + index);
        tanhBackward(gh1, t.h1);
        double[] gf = denseBackward(gh1, t.features, n, w, 0, grads, "c" + index);
        for (int row = 0; row < n; row++) {
            int q = 0;
            for (int j = 0; j < b; j++) {
                for (int m = j; m < b; m++) {
                    int sj = layer.seen[j];
                    int sm = layer.seen[m];
                    double dx = t.differences[2 * (row * p + q)];
                    double dy = t.differences[2 * (row * p + q) + 1];
                    double scale = gf[row * p + q] / t.features[row * p + q];
                    gx[row * d + 2 * sj] += scale * dx;
                    gx[row * d + 2 * sj + 1] += scale * dy;
                    if (m != j) {
                        gx[row * d + 2 * sm] -= scale * dx;
                        gx[row * d + 2 * sm + 1] -= scale * dy;
                    }
                    q++;
                }
            }
        }
        return gx;
    }

    /** {@code act(in W_l + b_l)} for {@code n} rows, {@code act} = tanh or the identity. */
    private static double[] dense(double[] in, int n, Weights w, int l, boolean tanh) {
        int rows = w.in[l];
        int cols = w.out[l];
        double[] out = new double[n * cols];
        for (int r = 0; r < n; r++) {
            System.arraycopy(w.b[l], 0, out, r * cols, cols);
            for (int k = 0; k < rows; k++) {
                double v = in[r * rows + k];
                if (v != 0) {
                    int wk = k * cols;
                    int o = r * cols;
                    for (int j = 0; j < cols; j++) {
                        out[o + j] += v * w.w[l][wk + j];
                    }
                }
            }
            if (tanh) {
                for (int j = 0; j < cols; j++) {
                    out[r * cols + j] = Math.tanh(out[r * cols + j]);
                }
            }
        }
        return out;
    }

    /** Accumulates {@code ∂L/∂W_l = inᵀ g}, {@code ∂L/∂b_l = Σ g} and returns {@code g W_lᵀ}. */
    private static double[] denseBackward(double[] g, double[] in, int n, Weights w, int l, Map<String, double[]> grads,
                                          String prefix) {
        int rows = w.in[l];
        int cols = w.out[l];
        double[] gw = new double[rows * cols];
        double[] gb = new double[cols];
        double[] gin = new double[n * rows];
        for (int r = 0; r < n; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                gb[j] += g[o + j];
            }
            for (int k = 0; k < rows; k++) {
                double v = in[r * rows + k];
                int wk = k * cols;
                double acc = 0;
                for (int j = 0; j < cols; j++) {
                    gw[wk + j] += v * g[o + j];
                    acc += g[o + j] * w.w[l][wk + j];
                }
                gin[r * rows + k] = acc;
            }
        }
        grads.put(prefix + "W" + (l + 1), gw);
        grads.put(prefix + "b" + (l + 1), gb);
        return gin;
    }

    /** {@code g ← g ⊙ (1 − h²)} for {@code h = tanh(a)}. */
    private static void tanhBackward(double[] g, double[] h) {
        for (int e = 0; e < g.length; e++) {
            g[e] *= 1 - h[e] * h[e];
        }
    }

    private static double softplus(double v) {
        return v > 30 ? v : Math.log1p(Math.exp(v));
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
