package org.eqflow.examples.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Symmetry-respecting standardisation: centre at the data mean (for a density invariant under rotations
 * about a point, the mean is that point) and one isotropic scale {@code s = √(mean |x − c|² / d)}.
 * Per-coordinate scaling would break rotation invariance.
 */
record Preprocessing(List<Double> centre, double scale) {

    static Preprocessing fit(double[][] x) {
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
        return new Preprocessing(centre, scale > 0 && Double.isFinite(scale) ? scale : 1.0);
    }
}
