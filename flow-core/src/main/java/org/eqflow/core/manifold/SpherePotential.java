package org.eqflow.core.manifold;

import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A potential on the sphere S² and the vector field and divergence of its gradient flow, as graph ops (first and
 * second derivatives written out as forward ops; SameDiff's autodiff gives the weight gradients).
 *
 * <p>{@code Φ(x, t) = MLP(selected coordinates of x, t)} (two tanh layers), extended to all of R³, with x on the unit
 * sphere. Its Riemannian gradient is the tangential part of the ambient one and its Laplace–Beltrami operator the
 * ambient Laplacian less the radial parts:
 * <pre>
 *   v = (I − x xᵀ) ∇Φ,   div = tr((I − x xᵀ) ∇²Φ) − 2 x·∇Φ,   d log q/dt = −div,
 * </pre>
 * the derivatives carried along the coordinate axes the potential reads and along x ({@link SphereKernel}). With
 * {@link SphereSymmetry#AXIS_Z}, {@code Φ = Φ(z, t)}: {@code v = Φ'(e_z − z x)}, {@code div = (1 − z²)Φ'' − 2zΦ'},
 * a field that commutes with every rotation about z.
 */
final class SpherePotential {
    private final int[] coords;
    private final int d;
    private final int m;
    private final DirectionalNetwork network;

    /** The velocity {@code [B, 3]}, the divergence {@code [B, 1]} and the potential {@code [B, 1]} at one time. */
    record Field(SDVariable velocity, SDVariable divergence, SDVariable potential) {
    }

    SpherePotential(ParameterSource params, SphereSymmetry symmetry, int hidden) {
        this.coords = symmetry.coordinates();
        this.d = coords.length;
        this.m = d + 1;
        // the untrained flow is close to the identity: its density close to uniform
        this.network = new DirectionalNetwork(params, d + 1, hidden);
    }

    /** The field at points {@code x [B, 3]} of S² and time t. */
    Field field(SameDiff sd, SDVariable x, double t) {
        DataType dt = x.dataType();
        int features = d + 1;
        double[] select = new double[3 * d];
        double[] toAmbient = new double[m * 3];
        for (int j = 0; j < d; j++) {
            select[coords[j] * d + j] = 1;
            toAmbient[j * 3 + coords[j]] = 1;
        }
        SDVariable xc = x.mmul(constant(sd, select, 3, d, dt));                  // [B, d]
        SDVariable zero = xc.mmul(constant(sd, new double[d], d, 1, dt));      // [B, 1] of zeros
        SDVariable f = sd.concat(1, xc, zero.add(t));
        SDVariable[] rows = new SDVariable[m];
        for (int j = 0; j < d; j++) {
            double[] unit = new double[features];
            unit[j] = 1;
            rows[j] = zero.add(constant(sd, unit, 1, features, dt));
        }
        rows[d] = sd.concat(1, xc, zero);
        SDVariable tan = sd.reshape(sd.concat(1, rows), -1, features);         // [B·m, F], rows (b, j)

        DirectionalNetwork.Derivatives net = network.apply(sd, f, tan, null, m);   // the features are linear in x
        SDVariable potential = net.potential();
        SDVariable first = net.first();                                       // ∂_jΦ (j < d), x·∇Φ
        SDVariable second = net.second();                                     // ∂_j²Φ (j < d), xᵀ∇²Φ x
        double[] last = new double[m];
        last[d] = 1;
        double[] signs = new double[m];
        java.util.Arrays.fill(signs, 1.0);
        signs[d] = -1;
        SDVariable xg = first.mmul(constant(sd, last, m, 1, dt));
        SDVariable velocity = first.mmul(constant(sd, toAmbient, m, 3, dt)).sub(x.mul(xg));
        SDVariable divergence = second.mmul(constant(sd, signs, m, 1, dt)).sub(xg.mul(2.0));
        return new Field(velocity, divergence, potential);
    }

    private static SDVariable constant(SameDiff sd, double[] v, int rows, int cols, DataType dt) {
        return sd.constant(Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dt));
    }
}
