package org.eqflow.core.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Symmetry-respecting standardisation: one isotropic scale {@code s = √(mean |x − c|² / d)}, about the
 * data mean {@code c} when the model has no symmetry, about the origin ({@code c = 0}) when it has one: a
 * rotation about the origin survives an isotropic scale, not a shift to the sample mean.
 * Per-coordinate scaling would break rotation invariance. The model stores both
 * ({@link org.eqflow.core.FlowConfig#centre()}, {@link org.eqflow.core.FlowConfig#scale()}) and reports
 * log-densities of the original data.
 */
public record Standardization(List<Double> centre, double scale) {

    /**
     * Fits centre and scale to points (rows). The sums run on the points divided by their largest
     * magnitude, so data near ±1e308 neither overflows nor silently loses its scale; a spread beyond
     * double precision is refused.
     *
     * @throws IllegalArgumentException when the spread of the data overflows double precision
     */
    public static Standardization fit(double[][] x) {
        return fit(x, true);
    }

    /** Data whose root-mean-square coordinate lies within this factor of 1 keep their units ({@link #aboutOrigin}). */
    public static final double UNIT_RANGE = 4.0;

    /**
     * For a model with a symmetry about the origin: no shift, and one scale {@code s = √(mean |x|² / d)} —
     * applied only when {@code s} is outside {@code [1/4, 4]}. Data already of order one stay in their units:
     * scaling them to exactly unit variance starts the model at the moment-matched Gaussian, a plateau
     * measured to cost 0.1 nats at equal length on the ring (docs/results.md).
     */
    public static Standardization aboutOrigin(double[][] x) {
        return aboutOrigin(x, x[0].length);
    }

    private static Standardization aboutOrigin(double[][] x, int d) {
        Standardization s = fit(x, d, false);
        boolean unit = s.scale() >= 1 / UNIT_RANGE && s.scale() <= UNIT_RANGE;
        return unit ? new Standardization(s.centre(), 1.0) : s;
    }

    /**
     * The standardisation a model gets by default: {@link #aboutOrigin} when it has a symmetry about the origin, else
     * {@link #fit(double[][])} about the data mean.
     */
    public static Standardization forModel(double[][] x, boolean symmetric) {
        return forModel(x, x[0].length, symmetric);
    }

    /**
     * {@link #forModel(double[][], boolean)} of the first {@code d} columns of the rows: the coordinates of a conditional
     * model's rows {@code [x | c]} (the context is scaled by {@link Context#fit}).
     */
    public static Standardization forModel(double[][] rows, int d, boolean symmetric) {
        return symmetric ? aboutOrigin(rows, d) : fit(rows, d, true);
    }

    /** {@link #fit(double[][])}, about the data mean when {@code centred}, else about the origin. */
    public static Standardization fit(double[][] x, boolean centred) {
        return fit(x, x[0].length, centred);
    }

    private static Standardization fit(double[][] x, int d, boolean centred) {
        double m = 0;
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                m = Math.max(m, Math.abs(row[j]));
            }
        }
        double unit = m > 0 ? m : 1.0;
        double[] c = new double[d];
        for (double[] row : centred ? x : new double[0][]) {
            for (int j = 0; j < d; j++) {
                c[j] += row[j] / unit / x.length;
            }
        }
        double ss = 0;
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                double dev = row[j] / unit - c[j];
                ss += dev * dev;
            }
        }
        double scale = unit * Math.sqrt(ss / x.length / d);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("the training data's spread overflows double precision (values up to "
                    + m + "); rescale the data, or train with --no-standardize");
        }
        List<Double> centre = new ArrayList<>();
        for (double v : c) {
            centre.add(v * unit);
        }
        return new Standardization(centre, scale > 0 ? scale : 1.0);
    }

    /**
     * The scaling of a conditional model's context: per column, its mean and standard deviation (1 for a constant
     * column). The symmetry does not act on the context, so each column may have its own scale.
     */
    public record Context(List<Double> centre, List<Double> scale) {

        /** No scaling of {@code k} columns. */
        public static Context identity(int k) {
            return new Context(java.util.Collections.nCopies(k, 0.0), java.util.Collections.nCopies(k, 1.0));
        }

        /** Fits the columns after the first {@code d} of the rows. */
        public static Context fit(double[][] rows, int d) {
            int k = rows[0].length - d;
            List<Double> centre = new ArrayList<>();
            List<Double> scale = new ArrayList<>();
            for (int j = d; j < d + k; j++) {
                double mean = 0;
                for (double[] r : rows) {
                    mean += r[j] / rows.length;
                }
                double var = 0;
                for (double[] r : rows) {
                    var += (r[j] - mean) * (r[j] - mean) / rows.length;
                }
                double sd = Math.sqrt(var);
                if (!Double.isFinite(mean) || !Double.isFinite(sd)) {
                    throw new IllegalArgumentException("context column " + (j - d + 1) + " overflows double precision: rescale it");
                }
                centre.add(mean);
                scale.add(sd > 0 ? sd : 1.0);
            }
            return new Context(centre, scale);
        }
    }
}
