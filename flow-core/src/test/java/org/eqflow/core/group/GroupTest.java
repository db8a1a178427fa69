package org.eqflow.core.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each finite group is a representation: orthogonal matrices, closed under products and inverses, of the right order. */
class GroupTest {

    @ParameterizedTest
    @CsvSource({"none,2,1", "c1,2,1", "c8,2,8", "d8,2,16", "c4,4,4", "d4,6,8", "perm:3x2,6,6", "perm:4x1,4,24",
            "c4*perm:3x2,6,24", "d2*perm:2x2,4,8"})
    void finiteGroupsAreRepresentations(String spec, int d, int order) {
        Group g = Groups.parse(spec, d);
        assertTrue(g.isFinite());
        assertEquals(order, g.order(), spec + " order");
        assertEquals(d, g.dimension());
        List<double[][]> e = g.elements();
        assertEquals(0.0, Matrices.distance(e.get(0), Matrices.identity(d)), "identity first");
        for (double[][] a : e) {
            assertEquals(0.0, Matrices.distance(Matrices.multiply(a, transpose(a)), Matrices.identity(d)), 1e-14, "orthogonal");
            assertTrue(contains(e, transpose(a)), spec + ": closed under inverses");
            for (double[][] b : e) {
                assertTrue(contains(e, Matrices.multiply(a, b)), spec + ": closed under products");
            }
        }
        for (int i = 0; i < e.size(); i++) {
            for (int j = 0; j < i; j++) {
                assertTrue(Matrices.distance(e.get(i), e.get(j)) > 1e-6, spec + ": elements are distinct");
            }
        }
    }

    @Test
    void cyclicRotatesEveryPairAlike() {
        double[][] r = Groups.parse("c4", 4).elements().get(1);   // quarter turn
        double[] x = {1, 0, 0, 2};
        double[] y = new double[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                y[i] += r[i][j] * x[j];
            }
        }
        assertEquals(0, y[0], 1e-15);
        assertEquals(1, y[1], 1e-15);
        assertEquals(-2, y[2], 1e-15);
        assertEquals(0, y[3], 1e-15);
    }

    @Test
    void continuousGroupsSampleAndProbeOrthogonalElements() {
        for (String spec : List.of("so2", "o2")) {
            Group g = Groups.parse(spec, 4);
            assertFalse(g.isFinite());
            assertThrows(UnsupportedOperationException.class, g::elements);
            assertEquals(spec.equals("o2") ? 16 : 8, g.probe(8).size());
            double[][] a = g.sample(new SplittableRandom(3));
            assertEquals(0.0, Matrices.distance(Matrices.multiply(a, transpose(a)), Matrices.identity(4)), 1e-14);
        }
    }

    /**
     * The probe of SO(2) must show the error of a density invariant only under a finite subgroup: apart from the
     * identity, none of its rotations may be an element of Cₙ for any n up to 360 (evenly spaced angles would all be).
     */
    @Test
    void theRotationProbeAvoidsEveryFiniteSubgroup() {
        List<double[][]> probe = Groups.parse("so2", 2).probe(8);
        assertEquals(0.0, Matrices.distance(probe.get(0), Matrices.identity(2)), 1e-15);
        for (int n = 1; n <= 360; n++) {
            Group cn = Groups.parse("c" + n, 2);
            for (int k = 1; k < probe.size(); k++) {
                for (double[][] e : cn.elements()) {
                    assertTrue(Matrices.distance(probe.get(k), e) > 1e-6, "probe element " + k + " lies in c" + n);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "c8|3|group 'c8' rotates coordinate pairs, but the data has odd dimension 3",
            "perm:3x2|4|group 'perm:3x2': 3 particles of 2 coordinates need dimension 6, but the data has dimension 4",
            "rot8|2|group 'rot8': unknown group; use none, c<n>, d<n>, so2, o2, perm:<k>x<m> or a product such as c4*perm:4x2",
            "c0|2|group 'c0': n must be between 1 and 360, got 0",
            "so2*c4|2|group 'so2*c4': only finite groups combine with *, and so2 is continuous"})
    void badSpecsGetOneLineReasons(String spec, int d, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Groups.parse(spec, d));
        assertEquals(message, e.getMessage());
    }

    private static boolean contains(List<double[][]> list, double[][] m) {
        return list.stream().anyMatch(e -> Matrices.distance(e, m) < 1e-12);
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a.length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }
}
