package org.eqflow.core.group;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The compact groups SO(2) (all rotations) and O(2) (rotations and reflections) acting on every coordinate
 * pair of a row alike: continuous, so a flow cannot average over them, but invariance can be measured on a
 * spread of their elements and their Haar measure sampled.
 */
public record PlanarRotations(int dimension, boolean reflections) implements Group {

    public PlanarRotations {
        if (dimension < 2 || dimension % 2 != 0) {
            throw new IllegalArgumentException("group '" + (reflections ? "o2" : "so2") + "' rotates coordinate pairs; the data "
                    + "needs an even dimension, got " + dimension);
        }
    }

    @Override
    public String spec() {
        return reflections ? "o2" : "so2";
    }

    @Override
    public boolean isFinite() {
        return false;
    }

    @Override
    public List<double[][]> elements() {
        throw new UnsupportedOperationException(spec() + " has infinitely many elements");
    }

    @Override
    public double[][] sample(SplittableRandom rng) {
        double theta = 2 * Math.PI * rng.nextDouble();
        return reflections && rng.nextBoolean() ? Matrices.reflection(dimension, theta) : Matrices.rotation(dimension, theta);
    }

    /** The golden ratio's fractional part: its multiples are equidistributed and never a rational turn. */
    static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    /**
     * The identity and rotations by the golden angle's multiples {@code 2π·frac(kφ)} (and as many reflections for
     * O(2)): spread over the circle, yet no probe element but the identity lies in any finite subgroup, so a
     * density invariant only under C₁₆ (or any Cₙ) shows its error. Evenly spaced angles {@code 2πk/n} would be
     * the elements of Cₙ and hide it.
     */
    @Override
    public List<double[][]> probe(int n) {
        List<double[][]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(Matrices.rotation(dimension, angle(k)));
        }
        if (reflections) {
            for (int k = 0; k < n; k++) {
                out.add(Matrices.reflection(dimension, angle(k)));
            }
        }
        return out;
    }

    static double angle(int k) {
        double turns = k * GOLDEN;
        return 2 * Math.PI * (turns - Math.floor(turns));
    }

    @Override
    public String toString() {
        return spec() + " on R^" + dimension;
    }
}
