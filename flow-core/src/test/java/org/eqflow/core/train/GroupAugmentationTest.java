package org.eqflow.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GroupAugmentationTest {

    /** Each point moves on its own orbit about the centre (distances kept), to angles spread over the circle. */
    @Test
    void pointsMoveAlongTheirOrbitsAboutTheCentre() {
        double[][] pts = Targets.parse("ring").sample(2000, new SplittableRandom(1));
        for (double[] p : pts) {
            p[0] += 5;  // a ring about (5, −1)
            p[1] -= 1;
        }
        Symmetry so2 = Symmetries.parse(List.of("so2"), 2).orElseThrow();
        GroupAugmentation aug = new GroupAugmentation(new FiniteData(pts, 3), so2, new double[] {5, -1}, 9);
        INDArray plain = new FiniteData(pts, 3).batch(4, 2000);
        INDArray moved = aug.batch(4, 2000);
        double cos = 0;
        for (int r = 0; r < 2000; r++) {
            double ax = plain.getDouble(r, 0) - 5;
            double ay = plain.getDouble(r, 1) + 1;
            double bx = moved.getDouble(r, 0) - 5;
            double by = moved.getDouble(r, 1) + 1;
            assertEquals(Math.hypot(ax, ay), Math.hypot(bx, by), 1e-12, "row " + r);
            cos += (ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by)) / 2000;
        }
        // angle t ~ N(0, π²): E[cos t] = e^{−π²/2} ≈ 0.007
        assertEquals(Math.exp(-Math.PI * Math.PI / 2), cos, 0.05, "the rotations are spread over the circle");
        assertEquals(moved, aug.batch(4, 2000), "a function of (seed, iteration)");
    }

    @Test
    void onlyRotationsAreSupported() {
        Symmetry scaling = Symmetries.parse(List.of("linear:dilation:1,0;0,1"), 2).orElseThrow();
        assertTrue(GroupAugmentation.supports(scaling).orElseThrow().contains("not a rotation"));
        assertThrows(IllegalArgumentException.class,
                () -> new GroupAugmentation(new FiniteData(new double[][] {{1, 2}}, 1), scaling, new double[2], 1));
        assertTrue(GroupAugmentation.supports(Symmetries.parse(List.of("so3:0,2,3"), 4).orElseThrow()).isEmpty());
    }
}
