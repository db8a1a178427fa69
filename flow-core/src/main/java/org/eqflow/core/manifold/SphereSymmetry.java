package org.eqflow.core.manifold;

/**
 * What a flow on the sphere S² is invariant under, and so which coordinates its potential sees: rotations about the
 * z axis (the potential is a function of the height z and time — the complete invariant of the rotations about z) or
 * nothing (a function of x, y, z and time).
 */
public enum SphereSymmetry {
    /** Invariant under every rotation about the z axis: {@code Φ(z, t)}. */
    AXIS_Z("axis:z", new int[] {2}),
    /** No symmetry: {@code Φ(x, y, z, t)}, the unconstrained manifold flow (the control). */
    NONE("none", new int[] {0, 1, 2});

    private final String spec;
    private final int[] coordinates;

    SphereSymmetry(String spec, int[] coordinates) {
        this.spec = spec;
        this.coordinates = coordinates;
    }

    /** @return the name in model files and on the command line: {@code axis:z} or {@code none} */
    public String spec() {
        return spec;
    }

    /** @return the coordinates (0 = x, 1 = y, 2 = z) the potential reads, in feature order */
    int[] coordinates() {
        return coordinates.clone();
    }

    /**
     * @param spec {@code axis:z} or {@code none}
     * @return the symmetry
     */
    public static SphereSymmetry parse(String spec) {
        for (SphereSymmetry s : values()) {
            if (s.spec.equals(spec)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown symmetry on S² '" + spec + "': use axis:z (rotations about the z axis) or none");
    }
}
