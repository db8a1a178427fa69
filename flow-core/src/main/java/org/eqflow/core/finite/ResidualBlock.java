package org.eqflow.core.finite;

import java.util.List;
import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One G-residual block {@code x ↦ x + g(x)} (Bose, Brubaker, Kobyzev, arXiv:2110.08649, §4; Behrmann et al.,
 * arXiv:1811.00995) as a SameDiff graph, with its exact log-determinant.
 *
 * <p>The residual {@code g} is a LipSwish MLP {@code f = [d, h, h, d]} averaged over the group's elements
 * {@code R_1 … R_|G|}:
 * <pre>
 *   g(x) = |G|⁻¹ Σ_h R_hᵀ f(R_h x)           so that g(R x) = R g(x) for every element R
 * </pre>
 * (the sum over {@code h} of {@code R_hᵀ f(R_h R x)} is a relabelled sum over {@code h' = h R}). Evaluated in one
 * pass: the batch's {@code |G|} images are stacked into a {@code [B·|G|, d]} matrix by one product with the
 * constant {@code [R_1ᵀ | … | R_|G|ᵀ]}, and brought back by one product with {@code [R_1; …; R_|G|]/|G|}: the
 * cost is {@code |G|} evaluations of {@code f} per point.
 *
 * <p>Lipschitz: LipSwish {@code a σ(βa)/1.1} (Chen et al., arXiv:1906.02735), with a learned sharpness {@code β} per
 * hidden unit, is 1-Lipschitz for every {@code β} (its slope {@code σ(u) + u σ(u)(1 − σ(u))}, {@code u = βa}, never
 * exceeds 1.0998), and every weight matrix is held to spectral norm
 * {@code ≤ c} ({@link SpectralNorm}, after every update), so {@code Lip(f) ≤ c³}; averaging orthogonal
 * conjugates does not raise it. With {@code c < 1} the block is invertible ({@link ResidualFlow#inverse}).
 *
 * <p>Log-determinant: SameDiff cannot differentiate its own gradients, so the Jacobian is built forward
 * (row {@code i} is the derivative along {@code e_i}: the tangent {@code R_h e_i} pushed through the layers,
 * scaled by each activation's derivative, and averaged back like {@code g}), and {@code log det(I + J_g)} is
 * the sum of the log pivots of an unrolled LU factorisation without pivoting. That is exact and safe here:
 * every leading block of {@code I + J_g} is {@code I + (a block of J_g)} with norm of the block below 1, so
 * every leading minor is positive and every pivot positive. Cost {@code O(d³)} elementwise operations
 * per point, so the flow is kept to {@code d ≤ 16}.
 */
final class ResidualBlock {
    /** LipSwish's normaliser: {@code max |d/da (a σ(a))| ≈ 1.0998}. */
    static final double LIPSWISH = 1.1;
    /** Output layer's initial scale: each block starts close to the identity. */
    static final double OUTPUT_GAIN = 0.1;

    private final int d;
    private final int order;
    private final SDVariable[] weights = new SDVariable[3];
    private final SDVariable[] biases = new SDVariable[3];
    private final SDVariable[] sharpness = new SDVariable[2];
    private final INDArray stack;
    private final INDArray unstack;

    /**
     * @param prefix   parameter name prefix (alphanumeric), e.g. {@code "b0"}
     * @param elements the group's elements {@code R_h} as {@code d × d} matrices
     */
    ResidualBlock(ParameterSource params, String prefix, int d, int hidden, List<double[][]> elements) {
        this.d = d;
        this.order = elements.size();
        long[][] shapes = {{d, hidden}, {hidden, hidden}, {hidden, d}};
        for (int l = 0; l < 3; l++) {
            weights[l] = params.parameter(prefix + "W" + (l + 1), shapes[l], l == 2 ? ParameterInit.lecun(OUTPUT_GAIN) : ParameterInit.lecun());
            biases[l] = params.parameter(prefix + "b" + (l + 1), new long[] {1, shapes[l][1]},
                    l == 2 ? ParameterInit.zeros() : ParameterInit.bias(shapes[l][0]));
            if (l < 2) {
                sharpness[l] = params.parameter(prefix + "beta" + (l + 1), new long[] {1, shapes[l][1]}, ParameterInit.constant(1.0));
            }
        }
        double[][] s = new double[d][order * d];
        double[][] u = new double[order * d][d];
        for (int h = 0; h < order; h++) {
            double[][] r = elements.get(h);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    s[i][h * d + j] = r[j][i];          // block h of the stacker is R_hᵀ
                    u[h * d + i][j] = r[i][j] / order;  // block h of the unstacker is R_h / |G|
                }
            }
        }
        this.stack = Nd4j.create(s);
        this.unstack = Nd4j.create(u);
    }

    /** The names of the three weight matrices (held to the spectral-norm bound). */
    List<String> weightNames() {
        return List.of(weights[0].name(), weights[1].name(), weights[2].name());
    }

    /**
     * {@code g(x)} for points {@code [n, d]} with the graph's current weights, outside the graph (the inverse's
     * fixed-point iteration evaluates it many times on arrays the graph never sees). Same operations as
     * {@link #apply}; the round-trip tests hold the two to each other.
     */
    INDArray residual(INDArray x) {
        long n = x.rows();
        DataType type = x.dataType();
        INDArray images = x.mmul(stack.castTo(type)).reshape('c', n * order, d);
        INDArray h = images;
        for (int l = 0; l < 3; l++) {
            INDArray a = h.mmul(weights[l].getArr()).addiRowVector(biases[l].getArr());
            h = l < 2 ? a.mul(Transforms.sigmoid(a.mulRowVector(sharpness[l].getArr()), false)).divi(LIPSWISH) : a;
        }
        return h.reshape('c', n, (long) order * d).mmul(unstack.castTo(type));
    }

    /** {@code {x + g(x), log det(I + J_g(x)) [B, 1]}}. */
    SDVariable[] apply(SameDiff sd, SDVariable x) {
        DataType type = x.dataType();
        SDVariable stackC = sd.constant(stack.castTo(type));
        SDVariable unstackC = sd.constant(unstack.castTo(type));
        SDVariable images = sd.reshape(x.mmul(stackC), -1, d);
        SDVariable a1 = images.mmul(weights[0]).add(biases[0]);
        SDVariable s1 = lipSwishDerivative(sd, a1, sharpness[0]);
        SDVariable a2 = lipSwish(sd, a1, sharpness[0]).mmul(weights[1]).add(biases[1]);
        SDVariable s2 = lipSwishDerivative(sd, a2, sharpness[1]);
        SDVariable f = lipSwish(sd, a2, sharpness[1]).mmul(weights[2]).add(biases[2]);
        SDVariable g = sd.reshape(f, -1, (long) order * d).mmul(unstackC);

        SDVariable ones = sd.onesLike(x);
        SDVariable[] rows = new SDVariable[d];
        for (int i = 0; i < d; i++) {
            INDArray direction = Nd4j.zeros(DataType.DOUBLE, d, (long) order * d);
            direction.putRow(0, stack.getRow(i));
            SDVariable tangent = sd.reshape(ones.mmul(sd.constant(direction.castTo(type))), -1, d);
            SDVariable t1 = tangent.mmul(weights[0]).mul(s1);
            SDVariable t2 = t1.mmul(weights[1]).mul(s2);
            SDVariable t3 = t2.mmul(weights[2]);
            INDArray unit = Nd4j.zeros(DataType.DOUBLE, 1, d);
            unit.putScalar(0, i, 1.0);
            rows[i] = sd.reshape(t3, -1, (long) order * d).mmul(unstackC).add(sd.constant(unit.castTo(type)));
        }
        return new SDVariable[] {x.add(g), logDeterminant(sd, rows)};
    }

    /**
     * {@code log det M} of the matrices whose row {@code i} (per point) is {@code rows[i] [B, d]}: the sum of the
     * log pivots of Doolittle's LU without pivoting (valid when every leading minor is positive, as here).
     */
    static SDVariable logDeterminant(SameDiff sd, SDVariable[] rows) {
        int n = rows.length;
        SDVariable[] a = rows.clone();
        SDVariable logDet = null;
        for (int k = 0; k < n; k++) {
            SDVariable pivot = sd.slice(a[k], new int[] {0, k}, -1, 1);
            logDet = logDet == null ? sd.math.log(pivot) : logDet.add(sd.math.log(pivot));
            for (int i = k + 1; i < n; i++) {
                SDVariable factor = sd.slice(a[i], new int[] {0, k}, -1, 1).div(pivot);
                a[i] = a[i].sub(a[k].mul(factor));
            }
        }
        return logDet;
    }

    static SDVariable lipSwish(SameDiff sd, SDVariable a, SDVariable beta) {
        return a.mul(sd.nn.sigmoid(a.mul(beta))).div(LIPSWISH);
    }

    /** {@code d/da [a σ(βa)/1.1] = σ(u) (1 + u (1 − σ(u))) / 1.1} with {@code u = βa}. */
    static SDVariable lipSwishDerivative(SameDiff sd, SDVariable a, SDVariable beta) {
        SDVariable u = a.mul(beta);
        SDVariable s = sd.nn.sigmoid(u);
        return s.mul(u.mul(s.rsub(1.0)).add(1.0)).div(LIPSWISH);
    }
}
