package org.eqflow.core.target;

/**
 * {@code k} particles in the plane with a double-well pair potential and no trap (the "DW-4" system of the
 * equivariant-flow literature for {@code k = 4}):
 * <pre>
 *   E = Σ_{i&lt;j} a (d_ij − d₀)⁴ + b (d_ij − d₀)²,     a = 0.9, b = −4, d₀ = 4,
 * </pre>
 * {@code d_ij} the distance of particles {@code i} and {@code j}. Each pair prefers {@code d₀ ± √(−b/2a)} (2.51 or
 * 5.49) with a barrier of {@code b²/4a} = 4.4 nats between.
 *
 * <p><b>Symmetries and how each is handled.</b> {@code E} is invariant under translations, rotations (and
 * reflections) of the plane acting on every particle alike, and permutations of the particles.
 * <ul>
 *   <li><i>Translations</i> leave {@code exp(−E)} unnormalisable, so the centre of mass is removed: a point is
 *       {@code y ∈ R^{2(k−1)}}, the particles' coordinates in the Helmert basis of the plane orthogonal to
 *       {@code (1, …, 1)} — {@code X_i = Σ_m H_{mi} y_m} with {@code y_m = (y_{2m}, y_{2m+1})} and {@code H} the
 *       orthonormal Helmert rows. The map is an isometry onto the centre-of-mass-free configurations, so densities
 *       in {@code y} are densities of those configurations.</li>
 *   <li><i>Rotations</i> act on every pair {@code y_m} alike (the Helmert map is linear in the particle index and
 *       leaves the plane alone): one generator {@code pᵀAq} with {@code A} block-diagonal of the 2×2 rotation
 *       generator; {@link #symmetry()} names it ({@code --symmetry} imposes it, with the soft constraint).</li>
 *   <li><i>Permutations</i> are a finite group, which a Hamiltonian flow's Lie-algebra constraint does not
 *       express; the flow is left free in them, and the evaluation compares statistics that do not depend on
 *       the particles' labels (the pair-distance histogram).</li>
 * </ul>
 * The normaliser is not known in closed form ({@link #logNormaliser()} is empty); reference statistics come from
 * a long seeded Metropolis run ({@link Metropolis}).
 */
public final class ParticleDoubleWell implements UnnormalisedTarget {
    /** Quartic coefficient a. */
    public static final double QUARTIC = 0.9;
    /** Quadratic coefficient b. */
    public static final double QUADRATIC = -4.0;
    /** Centre d₀ of the double well in the pair distance. */
    public static final double CENTRE = 4.0;
    /** The largest number of particles. */
    public static final int MAX_PARTICLES = 8;

    private final int particles;
    private final double[][] helmert;

    /** The system of {@code particles} particles (2 to {@value #MAX_PARTICLES}). */
    public ParticleDoubleWell(int particles) {
        if (particles < 2 || particles > MAX_PARTICLES) {
            throw new IllegalArgumentException("dw takes 2 to " + MAX_PARTICLES + " particles, got " + particles);
        }
        this.particles = particles;
        this.helmert = new double[particles - 1][particles];
        for (int m = 1; m < particles; m++) {
            double norm = Math.sqrt(m * (m + 1.0));
            for (int i = 0; i < m; i++) {
                helmert[m - 1][i] = 1 / norm;
            }
            helmert[m - 1][m] = -m / norm;
        }
    }

    /** The number of particles k. */
    public int particles() {
        return particles;
    }

    @Override
    public int dimension() {
        return 2 * (particles - 1);
    }

    /** The particles' positions {@code [k][2]} of a point {@code y} (centre of mass at the origin). */
    public double[][] positions(double[] y) {
        if (y.length != dimension()) {
            throw new IllegalArgumentException(spec() + " takes points of dimension " + dimension() + ", got " + y.length);
        }
        double[][] x = new double[particles][2];
        for (int m = 0; m < particles - 1; m++) {
            for (int i = 0; i < particles; i++) {
                x[i][0] += helmert[m][i] * y[2 * m];
                x[i][1] += helmert[m][i] * y[2 * m + 1];
            }
        }
        return x;
    }

    /** The point {@code y} of particle positions {@code [k][2]}: their centre of mass removed. */
    public double[] coordinates(double[][] positions) {
        double[] y = new double[dimension()];
        for (int m = 0; m < particles - 1; m++) {
            for (int i = 0; i < particles; i++) {
                y[2 * m] += helmert[m][i] * positions[i][0];
                y[2 * m + 1] += helmert[m][i] * positions[i][1];
            }
        }
        return y;
    }

    /** The {@code k(k−1)/2} pair distances of a point, pairs in the order (0,1), (0,2), …, (k−2,k−1). */
    public double[] distances(double[] y) {
        double[][] x = positions(y);
        double[] out = new double[particles * (particles - 1) / 2];
        int n = 0;
        for (int i = 0; i < particles; i++) {
            for (int j = i + 1; j < particles; j++) {
                out[n++] = Math.hypot(x[i][0] - x[j][0], x[i][1] - x[j][1]);
            }
        }
        return out;
    }

    /** The pair energy {@code u(d) = a(d − d₀)⁴ + b(d − d₀)²}. */
    public static double pairEnergy(double distance) {
        double s = (distance - CENTRE) * (distance - CENTRE);
        return QUARTIC * s * s + QUADRATIC * s;
    }

    @Override
    public double energy(double[] y) {
        double e = 0;
        for (double dist : distances(y)) {
            e += pairEnergy(dist);
        }
        return e;
    }

    @Override
    public double energyAndGradient(double[] y, double[] gradient) {
        double[][] x = positions(y);
        double[][] gx = new double[particles][2];
        double e = 0;
        for (int i = 0; i < particles; i++) {
            for (int j = i + 1; j < particles; j++) {
                double dx = x[i][0] - x[j][0];
                double dy = x[i][1] - x[j][1];
                double dist = Math.hypot(dx, dy);
                double s = dist - CENTRE;
                e += QUARTIC * s * s * s * s + QUADRATIC * s * s;
                // coinciding particles: the distance has no gradient; 0 is the symmetric choice (measure zero)
                double f = dist == 0 ? 0 : (4 * QUARTIC * s * s * s + 2 * QUADRATIC * s) / dist;
                gx[i][0] += f * dx;
                gx[i][1] += f * dy;
                gx[j][0] -= f * dx;
                gx[j][1] -= f * dy;
            }
        }
        java.util.Arrays.fill(gradient, 0, dimension(), 0.0);
        for (int m = 0; m < particles - 1; m++) {
            for (int i = 0; i < particles; i++) {
                gradient[2 * m] += helmert[m][i] * gx[i][0];
                gradient[2 * m + 1] += helmert[m][i] * gx[i][1];
            }
        }
        return e;
    }

    /** The rotation of the plane acting on every particle: {@code linear:rotation:A}, {@code A} block-diagonal. */
    @Override
    public String symmetry() {
        int d = dimension();
        StringBuilder b = new StringBuilder("linear:rotation:");
        for (int r = 0; r < d; r++) {
            if (r > 0) {
                b.append(';');
            }
            for (int c = 0; c < d; c++) {
                if (c > 0) {
                    b.append(',');
                }
                int v = r / 2 != c / 2 ? 0 : r == c ? 0 : r % 2 == 0 ? -1 : 1;
                b.append(v);
            }
        }
        return b.toString();
    }

    @Override
    public String spec() {
        return particles == 4 ? "dw4" : "dw:" + particles;
    }
}
