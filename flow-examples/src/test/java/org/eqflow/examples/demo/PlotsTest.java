package org.eqflow.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contour lines: marching squares against functions whose level sets are known. */
class PlotsTest {

    private static double[][] grid(double[] axis, java.util.function.DoubleBinaryOperator f) {
        double[][] v = new double[axis.length][axis.length];
        for (int i = 0; i < axis.length; i++) {
            for (int j = 0; j < axis.length; j++) {
                v[i][j] = f.applyAsDouble(axis[i], axis[j]);
            }
        }
        return v;
    }

    @Test
    void theLevelSetOfAParaboloidIsACircle() {
        double[] axis = new double[81];
        for (int i = 0; i < axis.length; i++) {
            axis[i] = -2 + 4.0 * i / (axis.length - 1);
        }
        List<double[]> segments = Plots.isolines(axis, grid(axis, (x, y) -> x * x + y * y), 1.0);
        double length = 0;
        for (double[] s : segments) {
            for (int e = 0; e < 2; e++) {
                double r = Math.hypot(s[2 * e], s[2 * e + 1]);
                assertEquals(1.0, r, 2e-3, "an end point off the unit circle");  // linear interpolation of r² on a 0.05 grid
            }
            length += Math.hypot(s[2] - s[0], s[3] - s[1]);
        }
        assertEquals(2 * Math.PI, length, 1e-2, "the polyline's length is the circle's");
    }

    @Test
    void aSaddleCellIsCutAtItsCorners() {
        // f = x·y on the cell [−1, 1]²: the level 0.1 crosses all four edges; the centre (0) is below, so the two
        // segments cut off the corners (1, 1) and (−1, −1), where f is above
        double[] axis = {-1, 1};
        List<double[]> segments = Plots.isolines(axis, grid(axis, (x, y) -> x * y), 0.1);
        assertEquals(2, segments.size());
        for (double[] s : segments) {
            double mx = (s[0] + s[2]) / 2;
            double my = (s[1] + s[3]) / 2;
            assertTrue(mx * my > 0, "a segment between the crossings around an above-level corner: " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void aContourPictureIsWrittenWithItsData(@TempDir Path dir) throws Exception {
        double[] axis = {-1, -0.5, 0, 0.5, 1};
        double[][][] paths = {{{0, 0}, {0.5, 0.5}}};
        Plots.contours(dir, "u", "U", "q0", "q1", axis, grid(axis, (x, y) -> x * x + y * y), 4, paths);
        assertTrue(Files.size(dir.resolve("u.png")) > 1000);
        assertEquals(1 + 25, Files.readAllLines(dir.resolve("u.csv")).size());
    }
}
