package org.eqflow.core.group;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A finite group given by all its elements as orthogonal matrices, the identity first: the cyclic group
 * {@code Cₙ} (rotations by {@code 2πk/n}), the dihedral group {@code Dₙ} (those and their reflections), the
 * permutations of {@code k} particles of dimension {@code m}, and direct products of commuting ones. The planar
 * groups act on every coordinate pair of a row alike (a row of {@code k} points in the plane turns as one body).
 */
public record FiniteGroup(String spec, int dimension, List<double[][]> elements) implements Group {
    /** The most elements a listed group may have (the order of the permutations of 7 particles is 5040). */
    public static final int MAX_ORDER = 5040;
    /** Elements are dense matrices: the most {@code order · d²} entries a group may hold. */
    public static final long MAX_ENTRIES = 1L << 24;

    public FiniteGroup {
        elements = List.copyOf(elements);
        if (elements.isEmpty() || Matrices.distance(elements.get(0), Matrices.identity(dimension)) != 0) {
            throw new IllegalArgumentException("a group's element list starts with the identity");
        }
    }

    /** The group of the identity alone (no symmetry). */
    public static FiniteGroup trivial(int d) {
        return new FiniteGroup("none", d, List.<double[][]>of(Matrices.identity(d)));
    }

    /** {@code Cₙ}: rotations by {@code 2πk/n}, {@code k = 0 … n−1}, of every coordinate pair ({@code d} even). */
    public static FiniteGroup cyclic(int n, int d) {
        planar("c" + n, n, d);
        List<double[][]> e = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            e.add(Matrices.rotation(d, 2 * Math.PI * k / n));
        }
        return new FiniteGroup("c" + n, d, e);
    }

    /** {@code Dₙ}: the {@code n} rotations of {@code Cₙ} and the {@code n} reflections across their axes (order {@code 2n}). */
    public static FiniteGroup dihedral(int n, int d) {
        planar("d" + n, n, d);
        List<double[][]> e = new ArrayList<>(cyclic(n, d).elements());
        for (int k = 0; k < n; k++) {
            e.add(Matrices.reflection(d, 2 * Math.PI * k / n));
        }
        return new FiniteGroup("d" + n, d, e);
    }

    /**
     * The symmetric group of {@code k} particles of {@code m} coordinates each ({@code d = k·m}, particle
     * {@code i} in coordinates {@code i·m … i·m+m−1}): all {@code k!} permutations of the particles.
     */
    public static FiniteGroup permutations(int k, int m) {
        if (k < 1 || m < 1 || k > 7) {
            throw new IllegalArgumentException("perm:KxM needs 1 <= K <= 7 particles (K! elements) and M >= 1 coordinates each, got "
                    + k + "x" + m);
        }
        int d = k * m;
        long order = 1;
        for (int i = 2; i <= k; i++) {
            order *= i;
        }
        checkSize("perm:" + k + "x" + m, order, d);
        List<double[][]> e = new ArrayList<>();
        permute(new int[k], new boolean[k], 0, m, e);
        return new FiniteGroup("perm:" + k + "x" + m, d, e);
    }

    private static void permute(int[] order, boolean[] used, int at, int m, List<double[][]> out) {
        int k = order.length;
        if (at == k) {
            double[][] p = new double[k * m][k * m];
            for (int i = 0; i < k; i++) {
                for (int c = 0; c < m; c++) {
                    p[i * m + c][order[i] * m + c] = 1;   // particle order[i] moves to slot i
                }
            }
            out.add(p);
            return;
        }
        for (int j = 0; j < k; j++) {
            if (!used[j]) {
                used[j] = true;
                order[at] = j;
                permute(order, used, at + 1, m, out);
                used[j] = false;
            }
        }
    }

    /**
     * The direct product: every {@code a b} with {@code a} in this group and {@code b} in {@code other}. The two
     * must commute (checked), as rotating all particles alike commutes with permuting them.
     */
    public FiniteGroup times(FiniteGroup other) {
        if (other.dimension != dimension) {
            throw new IllegalArgumentException("cannot combine " + spec + " (dimension " + dimension + ") with " + other.spec
                    + " (dimension " + other.dimension + ")");
        }
        checkSize(spec + "*" + other.spec, (long) elements.size() * other.elements.size(), dimension);
        List<double[][]> e = new ArrayList<>();
        for (double[][] a : elements) {
            for (double[][] b : other.elements) {
                if (Matrices.distance(Matrices.multiply(a, b), Matrices.multiply(b, a)) > 1e-12) {
                    throw new IllegalArgumentException(spec + " and " + other.spec + " do not commute; their product is not a group");
                }
                e.add(Matrices.multiply(a, b));
            }
        }
        return new FiniteGroup(spec + "*" + other.spec, dimension, e);
    }

    /** Refuses a group too large to list as dense matrices, before any is built. */
    static void checkSize(String spec, long order, int d) {
        if (order > MAX_ORDER || order * (long) d * d > MAX_ENTRIES) {
            throw new IllegalArgumentException("group '" + spec + "' has " + order + " elements of size " + d + "x" + d
                    + ", more than eqflow lists (at most " + MAX_ORDER + " elements and " + MAX_ENTRIES + " matrix entries)");
        }
    }

    private static void planar(String spec, int n, int d) {
        if (n < 1) {
            throw new IllegalArgumentException("group '" + spec + "': n must be at least 1");
        }
        checkSize(spec, spec.startsWith("d") ? 2L * n : n, d);
        if (d % 2 != 0) {
            throw new IllegalArgumentException("group '" + spec + "' rotates coordinate pairs, but the data has odd dimension " + d);
        }
    }

    @Override
    public boolean isFinite() {
        return true;
    }

    @Override
    public double[][] sample(SplittableRandom rng) {
        return elements.get(rng.nextInt(elements.size()));
    }

    @Override
    public List<double[][]> probe(int n) {
        return elements;
    }

    @Override
    public String toString() {
        return spec + " (" + elements.size() + " elements on R^" + dimension + ")";
    }
}
