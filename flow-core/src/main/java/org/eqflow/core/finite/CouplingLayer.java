package org.eqflow.core.finite;

import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.graph.StableOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One O(2)-equivariant coupling layer on {@code k} points in the plane, as a SameDiff graph with its exact
 * log-determinant.
 *
 * <p>The points split into a transformed set {@code A} and a conditioning set {@code B} (layer {@code ℓ}
 * transforms the {@code ⌊k/2⌋} points {@code ℓ, ℓ+1, …} modulo {@code k}, so every point is moved by half the
 * layers and seen by the others). A conditioner MLP reads only invariants of {@code B}, the norms {@code |x_j|} and
 * distances {@code |x_j − x_l|} of its points, and gives for each transformed point {@code x_i}: coefficients
 * {@code c_ij, t_ij}, a log-scale {@code s_i} and the {@code K} bumps {@code (w, μ, β)} of a radial profile
 * (coefficients, log-scale and sharpness bounded by smooth saturations, so that no step can make a layer
 * explode). Then
 * <pre>
 *   v_i = Σ_{j∈B} c_ij x_j,   u = x_i − v_i,   r = |u|,
 *   ρ(r) = e^{s_i} r + Σ_k w_k [tanh(β_k (r − μ_k)) + tanh(β_k μ_k)]      (w, β > 0: ρ(0) = 0, ρ' > 0)
 *   x_i ↦ v_i + Σ_{j∈B} t_ij x_j + (ρ(r)/r) u
 * </pre>
 * a radial reshaping about an equivariant centre and an equivariant shift. Coefficients that are functions of
 * invariants times points are equivariant: rotating or reflecting every point by
 * {@code R} multiplies {@code v, t, u} by {@code R} and leaves {@code r} and every coefficient unchanged, so
 * the layer commutes with {@code R} (and with the base's invariance, the density is O(2)-invariant). The
 * Jacobian is block triangular ({@code B} is copied); each transformed point contributes
 * {@code log ρ'(r) + log(ρ(r)/r)} (radial stretch and the circumference's), so
 * {@code log |det J| = Σ_i [log ρ'(r_i) + log(ρ(r_i)/r_i)]}. Inverse: {@code |y − v − t| = ρ(r)} is solved for
 * {@code r} by bisection and Newton ({@code ρ} is increasing), {@link CouplingFlow#inverse}.
 *
 * <p>A radial profile rather than an affine map: a pair's distance distribution (two wells, a ring) is a
 * one-dimensional density that the bumps reshape directly, while an affine map only scales it.
 * Float32 caveat: {@code ρ(r)/r} loses digits when a point lies within about {@code 1e-4} of its centre.
 */
final class CouplingLayer {
    /** Bumps of each radial profile. */
    static final int BUMPS = 4;
    /** The bumps' initial centres are spread over radii {@code 0.75, 1.5, …} (model units). */
    static final double BUMP_SPACING = 0.75;
    /** The bumps' heights start at {@code softplus(−2) ≈ 0.13}: the layer starts near a shift-free identity. */
    static final double HEIGHT_OFFSET = -2.0;
    /** The bumps' sharpness {@code β = β_max σ(raw − 2)} starts near 1.2 and never exceeds {@value #MAX_SHARPNESS}. */
    static final double MAX_SHARPNESS = 10.0;
    static final double SHARPNESS_OFFSET = -2.0;
    /** Each layer's log-scale is {@code S tanh(raw/S)}: a layer stretches by at most {@code e^S}. */
    static final double MAX_LOG_SCALE = 2.0;
    /** The centre and shift coefficients are {@code C tanh(raw/C)}. */
    static final double MAX_COEFFICIENT = 3.0;
    /** Added to the conditioner's squared norms and distances before the square root (smooth at coincident points). */
    static final double FEATURE_SMOOTHING = 1e-6;
    /** Added to {@code r²} before the square root, so that a point on its centre gives no 0/0. */
    static final double TINY = 1e-30;
    /** The conditioner's output layer starts small: each layer starts close to the identity. */
    static final double OUTPUT_GAIN = 0.01;

    final int points;
    final int[] moved;
    final int[] seen;
    private final int d;
    private final int hidden;
    private final SDVariable[] weights = new SDVariable[3];
    private final SDVariable[] biases = new SDVariable[3];

    /** The conditioner's values for one evaluation (each {@code [n, ·]}). */
    record Conditioned(SDVariable centre, SDVariable shift, SDVariable scale, SDVariable height, SDVariable position,
                       SDVariable sharpness) {
    }

    /**
     * @param prefix parameter name prefix (alphanumeric), e.g. {@code "c0"}
     * @param layer  the layer's index: which points it moves
     */
    CouplingLayer(ParameterSource params, String prefix, int points, int hidden, int layer) {
        this.points = points;
        this.d = 2 * points;
        this.hidden = hidden;
        int a = movedCount(points);
        this.moved = new int[a];
        List<Integer> rest = new ArrayList<>();
        for (int j = 0; j < a; j++) {
            moved[j] = (layer + j) % points;
        }
        for (int i = 0; i < points; i++) {
            boolean isMoved = false;
            for (int m : moved) {
                isMoved |= m == i;
            }
            if (!isMoved) {
                rest.add(i);
            }
        }
        this.seen = rest.stream().mapToInt(Integer::intValue).toArray();
        long[][] shapes = {{pairs(), hidden}, {hidden, hidden}, {hidden, outputs()}};
        for (int l = 0; l < 3; l++) {
            weights[l] = params.parameter(prefix + "W" + (l + 1), shapes[l], l == 2 ? ParameterInit.lecun(OUTPUT_GAIN) : ParameterInit.lecun());
            biases[l] = params.parameter(prefix + "b" + (l + 1), new long[] {1, shapes[l][1]},
                    l == 2 ? ParameterInit.zeros() : ParameterInit.bias(shapes[l][0]));
        }
    }

    /** The number of invariants of the conditioning points: their norms and pairwise distances (the conditioner's inputs). */
    int pairs() {
        return pairs(seen.length);
    }

    private static int pairs(int seen) {
        return seen * (seen + 1) / 2;
    }

    /** Per transformed point: {@code 2|B|} coefficients, a log-scale and three numbers per bump. */
    int outputs() {
        return outputs(moved.length, seen.length);
    }

    private static int outputs(int moved, int seen) {
        return moved * (2 * seen + 1 + 3 * BUMPS);
    }

    /** How many points a layer over {@code points} points moves. */
    private static int movedCount(int points) {
        return Math.max(1, points / 2);
    }

    /** The parameter shapes of a layer, in creation order (for the model file's checks). */
    static long[][] shapes(int points, int hidden) {
        int a = movedCount(points);
        int p = pairs(points - a);
        int out = outputs(a, points - a);
        return new long[][] {{p, hidden}, {1, hidden}, {hidden, hidden}, {1, hidden}, {hidden, out}, {1, out}};
    }

    /**
     * The conditioner at points {@code x [n, d]}: reads only invariants of the conditioning points, their norms
     * {@code |x_j|} and distances {@code |x_j − x_l|} (which fix their inner products, so nothing invariant is lost;
     * distances are what a pair interaction depends on), each as {@code sqrt(· + ε)} to stay differentiable at 0.
     */
    Conditioned condition(SameDiff sd, SDVariable x) {
        DataType type = x.dataType();
        int a = moved.length;
        int b = seen.length;
        int p = pairs();
        SDVariable xB = x.mmul(constant(sd, select(seen), type));
        double[][] differences = new double[2 * b][2 * p];
        double[][] sum = new double[2 * p][p];
        int q = 0;
        for (int j = 0; j < b; j++) {
            for (int l = j; l < b; l++) {
                for (int c = 0; c < 2; c++) {
                    differences[2 * j + c][2 * q + c] = 1;
                    if (l != j) {
                        differences[2 * l + c][2 * q + c] = -1;
                    }
                    sum[2 * q + c][q] = 1;
                }
                q++;
            }
        }
        SDVariable v = xB.mmul(constant(sd, differences, type));
        SDVariable h = sd.math.sqrt(v.mul(v).mmul(constant(sd, sum, type)).add(FEATURE_SMOOTHING));
        for (int l = 0; l < 2; l++) {
            h = sd.math.tanh(h.mmul(weights[l]).add(biases[l]));
        }
        SDVariable out = h.mmul(weights[2]).add(biases[2]);
        int k = BUMPS;
        SDVariable centreCoef = sd.slice(out, new int[] {0, 0}, -1, a * b);
        SDVariable shiftCoef = sd.slice(out, new int[] {0, a * b}, -1, a * b);
        SDVariable logScale = sd.slice(out, new int[] {0, 2 * a * b}, -1, a);
        SDVariable rawHeight = sd.slice(out, new int[] {0, 2 * a * b + a}, -1, a * k);
        SDVariable rawPosition = sd.slice(out, new int[] {0, 2 * a * b + a + a * k}, -1, a * k);
        SDVariable rawSharpness = sd.slice(out, new int[] {0, 2 * a * b + a + 2 * a * k}, -1, a * k);
        double[][] offsets = new double[1][a * k];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < k; j++) {
                offsets[0][i * k + j] = (j + 1) * BUMP_SPACING;
            }
        }
        return new Conditioned(combine(sd, bounded(sd, centreCoef, MAX_COEFFICIENT), xB, type),
                combine(sd, bounded(sd, shiftCoef, MAX_COEFFICIENT), xB, type), sd.math.exp(bounded(sd, logScale, MAX_LOG_SCALE)),
                StableOps.softplus(sd, rawHeight.add(HEIGHT_OFFSET)), rawPosition.add(constant(sd, offsets, type)),
                sd.nn.sigmoid(rawSharpness.add(SHARPNESS_OFFSET)).mul(MAX_SHARPNESS));
    }

    /** {@code bound · tanh(v / bound)}: the identity near zero, never beyond {@code ±bound}. */
    private static SDVariable bounded(SameDiff sd, SDVariable v, double bound) {
        return sd.math.tanh(v.div(bound)).mul(bound);
    }

    /** {@code Σ_j coef_ij x_j} for every transformed point {@code i}: {@code [n, a·b] × [n, 2b] → [n, 2a]}. */
    private SDVariable combine(SameDiff sd, SDVariable coef, SDVariable xB, DataType type) {
        int a = moved.length;
        int b = seen.length;
        double[][] expand = new double[a * b][2 * a * b];
        double[][] repeat = new double[2 * b][2 * a * b];
        double[][] reduce = new double[2 * a * b][2 * a];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int c = 0; c < 2; c++) {
                    int slot = 2 * (i * b + j) + c;
                    expand[i * b + j][slot] = 1;
                    repeat[2 * j + c][slot] = 1;
                    reduce[slot][2 * i + c] = 1;
                }
            }
        }
        return coef.mmul(constant(sd, expand, type)).mul(xB.mmul(constant(sd, repeat, type))).mmul(constant(sd, reduce, type));
    }

    /** {@code {layer(x), log |det J| [n, 1]}}. */
    SDVariable[] apply(SameDiff sd, SDVariable x) {
        DataType type = x.dataType();
        int a = moved.length;
        int k = BUMPS;
        Conditioned c = condition(sd, x);
        SDVariable u = x.mmul(constant(sd, select(moved), type)).sub(c.centre());
        double[][] perPoint = new double[2 * a][a];
        double[][] expand = new double[a][a * k];
        for (int i = 0; i < a; i++) {
            perPoint[2 * i][i] = 1;
            perPoint[2 * i + 1][i] = 1;
            for (int j = 0; j < k; j++) {
                expand[i][i * k + j] = 1;
            }
        }
        SDVariable pointSum = constant(sd, perPoint, type);
        SDVariable bumpSum = constant(sd, transpose(expand), type);
        SDVariable r = sd.math.sqrt(u.mul(u).mmul(pointSum).add(TINY));
        SDVariable rk = r.mmul(constant(sd, expand, type));
        SDVariable th = sd.math.tanh(c.sharpness().mul(rk.sub(c.position())));
        SDVariable t0 = sd.math.tanh(c.sharpness().mul(c.position()));
        SDVariable ratio = c.scale().add(th.add(t0).mul(c.height()).mmul(bumpSum).div(r));
        SDVariable slope = c.scale().add(th.mul(th).rsub(1.0).mul(c.sharpness()).mul(c.height()).mmul(bumpSum));
        SDVariable y = u.mul(ratio.mmul(constant(sd, transpose(perPoint), type))).add(c.centre()).add(c.shift());
        double[][] keep = new double[d][d];
        for (int j : seen) {
            keep[2 * j][2 * j] = 1;
            keep[2 * j + 1][2 * j + 1] = 1;
        }
        SDVariable next = x.mmul(constant(sd, keep, type)).add(y.mmul(constant(sd, transpose(select(moved)), type)));
        double[][] ones = new double[a][1];
        for (double[] row : ones) {
            row[0] = 1;
        }
        // a product rather than sum(1): SameDiff M2.1 fails to reduce a dimension of size one (a single moved point)
        SDVariable logDet = sd.math.log(slope).add(sd.math.log(ratio)).mmul(constant(sd, ones, type));
        return new SDVariable[] {next, logDet};
    }

    /** {@code [d, 2m]}: picks the coordinates of the given points. */
    private double[][] select(int[] which) {
        double[][] s = new double[d][2 * which.length];
        for (int i = 0; i < which.length; i++) {
            s[2 * which[i]][2 * i] = 1;
            s[2 * which[i] + 1][2 * i + 1] = 1;
        }
        return s;
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    private static SDVariable constant(SameDiff sd, double[][] m, DataType type) {
        return sd.constant(Nd4j.create(m).castTo(type));
    }

    /**
     * The radial profile {@code ρ(r)} of one point and its inverse: {@code r} with {@code ρ(r) = m}, by bisection on
     * {@code [max(0, (m − 2Σw)/e^s), m/e^s]} (where {@code ρ} crosses {@code m}, since {@code 0 ≤ ρ(r) − e^s r ≤ 2Σw})
     * and Newton steps to round-off.
     */
    static double invertProfile(double m, double scale, double[] height, double[] position, double[] sharpness, int offset) {
        double total = 0;
        for (int j = 0; j < BUMPS; j++) {
            total += height[offset + j];
        }
        double lo = Math.max(0, (m - 2 * total) / scale);
        double hi = m / scale;
        for (int it = 0; it < 200 && hi - lo > 1e-15 * (1 + hi); it++) {
            double mid = 0.5 * (lo + hi);
            if (profile(mid, scale, height, position, sharpness, offset) < m) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double r = 0.5 * (lo + hi);
        for (int it = 0; it < 3; it++) {
            double slope = scale;
            for (int j = 0; j < BUMPS; j++) {
                double t = Math.tanh(sharpness[offset + j] * (r - position[offset + j]));
                slope += height[offset + j] * sharpness[offset + j] * (1 - t * t);
            }
            r = Math.max(0, r - (profile(r, scale, height, position, sharpness, offset) - m) / slope);
        }
        return r;
    }

    static double profile(double r, double scale, double[] height, double[] position, double[] sharpness, int offset) {
        double rho = scale * r;
        for (int j = 0; j < BUMPS; j++) {
            double b = sharpness[offset + j];
            rho += height[offset + j] * (Math.tanh(b * (r - position[offset + j])) + Math.tanh(b * position[offset + j]));
        }
        return rho;
    }

    int hidden() {
        return hidden;
    }
}
