package org.eqflow.core.symmetry;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A finite group element {@code exp(Σ_k t_k A_k)} of linear generators, with its action on both halves
 * of phase space: {@code q ↦ R q} with {@code R = e^{M}} and, being the cotangent lift,
 * {@code p ↦ R^{−T} p = e^{−Mᵀ} p}. For rotations both are {@code R}.
 */
public record GroupElement(double[][] onQ, double[][] onP) {

    /**
     * A random element: coefficients {@code t_k ~ N(0, scale²)} in the basis of the symmetry's linear
     * generators.
     *
     * @throws IllegalArgumentException if a generator is not linear (it then has no closed-form group action)
     */
    public static GroupElement random(Symmetry symmetry, double scale, SplittableRandom rng) {
        List<Generator> gens = symmetry.generators();
        int d = symmetry.dimension();
        double[][] m = new double[d][d];
        for (Generator g : gens) {
            double[][] a = g.matrix().orElseThrow(() -> new IllegalArgumentException("generator " + g.name()
                    + " is not linear, so random group elements (used by the invariance error) are not available"));
            double t = scale * rng.nextGaussian();
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    m[i][j] += t * a[i][j];
                }
            }
        }
        double[][] minusT = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                minusT[i][j] = -m[j][i];
            }
        }
        return new GroupElement(expm(m), expm(minusT));
    }

    /** Applies {@code x ↦ M x} to each row of {@code rows} (row vectors: {@code rows Mᵀ}). */
    public static double[][] applyToRows(double[][] m, double[][] rows) {
        int d = m.length;
        double[][] out = new double[rows.length][d];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += m[i][j] * rows[r][j];
                }
                out[r][i] = s;
            }
        }
        return out;
    }

    /**
     * {@link #applyToRows} on the first {@code d = m.length} columns of each row; the columns after them (a conditional
     * model's context, which the symmetry does not act on) are kept as they are.
     */
    public static double[][] applyToLeadingColumns(double[][] m, double[][] rows) {
        double[][] moved = applyToRows(m, rows);
        double[][] out = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = rows[r].clone();
            System.arraycopy(moved[r], 0, out[r], 0, m.length);
        }
        return out;
    }

    /** Matrix exponential by scaling and squaring with a Taylor series (fine for the small matrices here). */
    static double[][] expm(double[][] a) {
        int d = a.length;
        double norm = 0;
        for (double[] row : a) {
            double s = 0;
            for (double v : row) {
                s += Math.abs(v);
            }
            norm = Math.max(norm, s);
        }
        int squarings = Math.max(0, (int) Math.ceil(Math.log(Math.max(norm, 1e-300) / 0.25) / Math.log(2)));
        double scale = Math.pow(2, -squarings);
        double[][] x = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = a[i][j] * scale;
            }
        }
        double[][] result = identity(d);
        double[][] term = identity(d);
        for (int n = 1; n <= 20; n++) {
            term = multiply(term, x);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    term[i][j] /= n;
                    result[i][j] += term[i][j];
                }
            }
        }
        for (int s = 0; s < squarings; s++) {
            result = multiply(result, result);
        }
        return result;
    }

    private static double[][] identity(int d) {
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            r[i][i] = 1;
        }
        return r;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        int d = a.length;
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = a[i][k];
                for (int j = 0; j < d; j++) {
                    c[i][j] += v * b[k][j];
                }
            }
        }
        return c;
    }
}
