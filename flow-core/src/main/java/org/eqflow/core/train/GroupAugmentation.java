package org.eqflow.core.train;

import java.util.Optional;
import java.util.SplittableRandom;
import org.eqflow.core.Noise;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.GroupElement;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training batches moved along the symmetry: each point {@code x} of a batch becomes {@code c + R(x − c)}
 * for its own random group element {@code R} (coefficients {@code t_k ~ N(0, π²)} of the generators,
 * {@link GroupElement#random}) about the model's centre {@code c}. When the data's density is invariant,
 * the moved points are samples of the same density, so nothing is biased; what the model gains is every
 * point's whole orbit instead of the point alone — the likelihood itself then asks for an invariant
 * density wherever the data lie, beside the bracket penalty.
 *
 * <p>Only for symmetries of isometries: every generator linear with an antisymmetric matrix (rotations,
 * {@code so(k)} on any subset, linear generators {@code A = −Aᵀ}); {@link #supports} says so. Batches stay a
 * pure function of {@code (seed, iteration)}.
 */
public final class GroupAugmentation implements DataSource {
    private final DataSource source;
    private final Symmetry symmetry;
    private final double[] centre;
    private final long seed;

    /**
     * @param centre the point the group acts about, in data units (the model's centre)
     * @throws IllegalArgumentException if {@link #supports} gives a reason
     */
    public GroupAugmentation(DataSource source, Symmetry symmetry, double[] centre, long seed) {
        supports(symmetry).ifPresent(r -> {
            throw new IllegalArgumentException("cannot augment along this symmetry: " + r);
        });
        if (centre.length != source.dimension() || symmetry.dimension() != source.dimension()) {
            throw new IllegalArgumentException("the symmetry has dimension " + symmetry.dimension() + ", the centre "
                    + centre.length + " and the data " + source.dimension());
        }
        this.source = source;
        this.symmetry = symmetry;
        this.centre = centre.clone();
        this.seed = seed;
    }

    /** Why the batches cannot be moved along {@code symmetry}, or empty if they can. */
    public static Optional<String> supports(Symmetry symmetry) {
        for (Generator g : symmetry.generators()) {
            Optional<double[][]> m = g.matrix();
            if (m.isEmpty()) {
                return Optional.of("generator " + g.name() + " is not linear");
            }
            double[][] a = m.get();
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a.length; j++) {
                    if (Math.abs(a[i][j] + a[j][i]) > 1e-12 * (1 + Math.abs(a[i][j]))) {
                        return Optional.of("generator " + g.name() + " is not a rotation (its matrix is not antisymmetric)");
                    }
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public int dimension() {
        return source.dimension();
    }

    @Override
    public INDArray batch(long iteration, int batchSize) {
        INDArray b = source.batch(iteration, batchSize);
        int n = Math.toIntExact(b.rows());
        int d = dimension();
        double[] x = b.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] out = new double[n * d];
        SplittableRandom rng = Noise.stream(seed, iteration, Noise.Purpose.ROTATION);
        for (int r = 0; r < n; r++) {
            double[][] rot = GroupElement.random(symmetry, Math.PI, rng).onQ();
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += rot[i][j] * (x[r * d + j] - centre[j]);
                }
                out[r * d + i] = centre[i] + s;
            }
        }
        return Nd4j.create(out, new long[] {n, d}, DataType.DOUBLE);
    }
}
