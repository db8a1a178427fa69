package org.eqflow.core.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Symmetry-respecting standardisation: centre at the data mean (for a density invariant under rotations
 * about a point, the mean is that point) and one isotropic scale {@code s = √(mean |x − c|² / d)}.
 * Per-coordinate scaling would break rotation invariance. The model stores both
 * ({@link org.eqflow.core.FlowConfig#centre()}, {@link org.eqflow.core.FlowConfig#scale()}) and reports
 * log-densities of the original data.
 */
public record Standardization(List<Double> centre, double scale) {

    /** Fits centre and scale to points (rows). */
    public static Standardization fit(double[][] x) {
        int d = x[0].length;
        double[] c = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                c[j] += row[j] / x.length;
            }
        }
        double ss = 0;
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                ss += (row[j] - c[j]) * (row[j] - c[j]);
            }
        }
        double scale = Math.sqrt(ss / x.length / d);
        List<Double> centre = new ArrayList<>();
        for (double v : c) {
            centre.add(v);
        }
        return new Standardization(centre, scale > 0 && Double.isFinite(scale) ? scale : 1.0);
    }
}
