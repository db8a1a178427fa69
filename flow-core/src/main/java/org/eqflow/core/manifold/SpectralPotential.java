package org.eqflow.core.manifold;

import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A conjugation-invariant potential on SU(n) and the vector field and divergence of its gradient flow, as graph
 * ops (SameDiff cannot differentiate its own gradients, so the first and second derivatives are written out as
 * forward ops and SameDiff's autodiff gives the weight gradients).
 *
 * <p>The potential {@code Φ(U, t) = MLP(Re tr U^k, Im tr U^k (k = 1…n), t)} (two tanh layers) is a class function:
 * in the eigen-angles, {@code Re tr U^k = Σ_j cos kθ_j} and {@code Im tr U^k = Σ_j sin kθ_j}, symmetric in the
 * angles. The gradient of a class function commutes with U, so its flow moves the eigen-angles only, along
 * <pre>
 *   dθ/dt = P ∇_θ Φ,   P = I − 11ᵀ/n   (the tangent plane of Σ_j θ_j = const),
 * </pre>
 * and the Laplace–Beltrami operator of SU(n) (bi-invariant metric {@code ⟨X, Y⟩ = tr X†Y}) on a class function
 * is the divergence with respect to the Weyl measure {@code |Δ(e^{iθ})|² dθ}:
 * <pre>
 *   div = tr(P ∇²_θ Φ) + Σ_{j&lt;k} cot((θ_j − θ_k)/2) (v_j − v_k),   v = P ∇_θ Φ,
 * </pre>
 * so that {@code d log q/dt = −div} along the flow (docs/manifolds.md). The first and second derivatives are
 * propagated forward along the n directions {@code P e_j} (for which {@code Σ_j (P e_j)(P e_j)ᵀ = P}): the first
 * gives {@code v_j}, the sum of the second {@code tr(P ∇²Φ)}.
 */
final class SpectralPotential {
    private final int n;
    private final int hidden;
    private final SDVariable w1;
    private final SDVariable b1;
    private final SDVariable w2;
    private final SDVariable b2;
    private final SDVariable w3;

    /** The vector field {@code v [B, n]} and its divergence {@code div [B, 1]} at one time. */
    record Field(SDVariable velocity, SDVariable divergence, SDVariable potential) {
    }

    SpectralPotential(ParameterSource params, int n, int hidden) {
        this.n = n;
        this.hidden = hidden;
        int features = 2 * n + 1;
        this.w1 = params.parameter("phiW1", new long[] {features, hidden}, ParameterInit.lecun());
        this.b1 = params.parameter("phiB1", new long[] {1, hidden}, ParameterInit.bias(features));
        this.w2 = params.parameter("phiW2", new long[] {hidden, hidden}, ParameterInit.lecun());
        this.b2 = params.parameter("phiB2", new long[] {1, hidden}, ParameterInit.bias(hidden));
        // A small output layer: the flow starts close to the identity (the untrained model is Haar measure).
        this.w3 = params.parameter("phiW3", new long[] {hidden, 1}, ParameterInit.lecun(0.1));
    }

    /** The field at angles {@code theta [B, n]} and time {@code t}. */
    Field field(SameDiff sd, SDVariable theta, double t) {
        DataType dt = theta.dataType();
        SDVariable ones = constant(sd, filled(n, 1, 1.0), n, 1, dt);
        SDVariable mean = constant(sd, filled(n, 1, 1.0 / n), n, 1, dt);
        SDVariable[] f = new SDVariable[2 * n + 1];
        SDVariable[] tangent = new SDVariable[2 * n + 1];
        SDVariable[] second = new SDVariable[2 * n + 1];
        for (int k = 1; k <= n; k++) {
            SDVariable kTheta = theta.mul((double) k);
            SDVariable c = sd.math.cos(kTheta);
            SDVariable s = sd.math.sin(kTheta);
            SDVariable cSum = c.mmul(ones);
            SDVariable sSum = s.mmul(ones);
            f[2 * k - 2] = cSum;
            f[2 * k - 1] = sSum;
            // d/dε f(θ + ε P e_j): cos: −k (s_j − mean s), sin: k (c_j − mean c).
            tangent[2 * k - 2] = column(s.sub(s.mmul(mean)).mul(-(double) k));
            tangent[2 * k - 1] = column(c.sub(c.mmul(mean)).mul((double) k));
            // d²/dε²: −k² [(1 − 2/n) x_j + (1/n²) Σ_i x_i] for x = cos, sin.
            double diag = 1.0 - 2.0 / n;
            double all = 1.0 / ((double) n * n);
            second[2 * k - 2] = column(c.mul(diag).add(cSum.mul(all)).mul(-(double) k * k));
            second[2 * k - 1] = column(s.mul(diag).add(sSum.mul(all)).mul(-(double) k * k));
        }
        SDVariable zeroRow = f[0].mul(0.0);
        f[2 * n] = zeroRow.add(t);
        SDVariable zeroTangent = tangent[0].mul(0.0);
        tangent[2 * n] = zeroTangent;
        second[2 * n] = zeroTangent;
        SDVariable x = sd.concat(1, f);
        SDVariable xDot = sd.concat(1, tangent);
        SDVariable xDdot = sd.concat(1, second);

        SDVariable a1 = sd.math.tanh(x.mmul(w1).add(b1));
        SDVariable d1 = a1.mul(a1).rsub(1.0);           // tanh'
        SDVariable dd1 = a1.mul(d1).mul(-2.0);          // tanh''
        SDVariable z1Dot = xDot.mmul(w1);
        SDVariable z1Ddot = xDdot.mmul(w1);
        SDVariable a1Dot = repeat(sd, d1).mul(z1Dot);
        SDVariable a1Ddot = repeat(sd, dd1).mul(z1Dot.mul(z1Dot)).add(repeat(sd, d1).mul(z1Ddot));

        SDVariable a2 = sd.math.tanh(a1.mmul(w2).add(b2));
        SDVariable d2 = a2.mul(a2).rsub(1.0);
        SDVariable dd2 = a2.mul(d2).mul(-2.0);
        SDVariable z2Dot = a1Dot.mmul(w2);
        SDVariable z2Ddot = a1Ddot.mmul(w2);
        SDVariable a2Dot = repeat(sd, d2).mul(z2Dot);
        SDVariable a2Ddot = repeat(sd, dd2).mul(z2Dot.mul(z2Dot)).add(repeat(sd, d2).mul(z2Ddot));

        SDVariable potential = a2.mmul(w3);                                   // [B, 1]
        SDVariable velocity = sd.reshape(a2Dot.mmul(w3), -1, n);              // v_j = (P ∇Φ)_j
        SDVariable tracePH = sd.reshape(a2Ddot.mmul(w3), -1, n).mmul(ones);   // Σ_j (P e_j)ᵀ ∇²Φ (P e_j)

        // The Weyl measure's part: Σ_{j<k} cot((θ_j − θ_k)/2) (v_j − v_k), pairs by a ±1 selection matrix.
        int pairs = n * (n - 1) / 2;
        double[] select = new double[n * pairs];
        int p = 0;
        for (int j = 0; j < n; j++) {
            for (int k = j + 1; k < n; k++) {
                select[j * pairs + p] = 1;
                select[k * pairs + p] = -1;
                p++;
            }
        }
        SDVariable pick = constant(sd, select, n, pairs, dt);
        SDVariable half = theta.mmul(pick).mul(0.5);
        SDVariable cot = sd.math.cos(half).div(sd.math.sin(half));
        SDVariable weyl = cot.mul(velocity.mmul(pick)).mmul(constant(sd, filled(pairs, 1, 1.0), pairs, 1, dt));
        return new Field(velocity, tracePH.add(weyl), potential);
    }

    /** {@code [B, n]} → {@code [B·n, 1]}, row (b, j). */
    private SDVariable column(SDVariable x) {
        return x.getSameDiff().reshape(x, -1, 1);
    }

    /** {@code [B, h]} → {@code [B·n, h]}, each row repeated for the n directions. */
    private SDVariable repeat(SameDiff sd, SDVariable x) {
        return sd.reshape(sd.tile(sd.reshape(x, -1, 1, hidden), 1, n, 1), -1, hidden);
    }

    private static double[] filled(int rows, int cols, double v) {
        double[] a = new double[rows * cols];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static SDVariable constant(SameDiff sd, double[] v, int rows, int cols, DataType dt) {
        return sd.constant(Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dt));
    }
}
