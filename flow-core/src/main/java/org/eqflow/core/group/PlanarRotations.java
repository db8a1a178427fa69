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

    @Override
    public List<double[][]> probe(int n) {
        List<double[][]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(Matrices.rotation(dimension, 2 * Math.PI * k / n));
        }
        if (reflections) {
            for (int k = 0; k < n; k++) {
                out.add(Matrices.reflection(dimension, 2 * Math.PI * k / n));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return spec() + " on R^" + dimension;
    }
}
