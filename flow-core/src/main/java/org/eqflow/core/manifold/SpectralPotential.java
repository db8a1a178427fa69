package org.eqflow.core.manifold;

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
    private final DirectionalNetwork network;

    /** The vector field {@code v [B, n]} and its divergence {@code div [B, 1]} at one time. */
    record Field(SDVariable velocity, SDVariable divergence, SDVariable potential) {
    }

    SpectralPotential(ParameterSource params, int n, int hidden) {
        this.n = n;
        // the untrained flow is close to the identity: its density close to Haar measure
        this.network = new DirectionalNetwork(params, 2 * n + 1, hidden);
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

        DirectionalNetwork.Derivatives d = network.apply(sd, x, xDot, xDdot, n);
        SDVariable potential = d.potential();
        SDVariable velocity = d.first();                                      // v_j = (P ∇Φ)_j
        SDVariable tracePH = d.second().mmul(ones);                           // Σ_j (P e_j)ᵀ ∇²Φ (P e_j)

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

    private static double[] filled(int rows, int cols, double v) {
        double[] a = new double[rows * cols];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static SDVariable constant(SameDiff sd, double[] v, int rows, int cols, DataType dt) {
        return sd.constant(Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dt));
    }
}
