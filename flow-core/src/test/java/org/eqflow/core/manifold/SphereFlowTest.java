package org.eqflow.core.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.eqflow.core.Engine;
import org.eqflow.core.model.Objective;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The sphere's flows against finite differences, exact identities and their graph (float64). */
class SphereFlowTest {

    /** A flow far from the identity: the potential's output weights scaled up. */
    private static SphereFlow strongFlow(SphereSymmetry symmetry, int steps) {
        SphereFlow flow = SphereFlow.create(new SphereFlow.Config(symmetry, 8, steps, 3, 3e-3));
        flow.parameters().get("phiW3").muli(symmetry == SphereSymmetry.AXIS_Z ? 12.0 : 8.0);
        return flow;
    }

    private static double[][] points(int count, SplittableRandom rng) {
        return SphereFlow.uniform(count, rng);
    }

    private static double[] add(double[] x, double[] d, double s) {
        return new double[] {x[0] + s * d[0], x[1] + s * d[1], x[2] + s * d[2]};
    }

    private static double[] unit(double[] x) {
        double r = Math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        return new double[] {x[0] / r, x[1] / r, x[2] / r};
    }

    /** Two orthonormal tangent vectors at x with {@code e1 × e2 = x}. */
    private static double[][] tangents(double[] x) {
        double[] a = Math.abs(x[0]) < 0.9 ? new double[] {1, 0, 0} : new double[] {0, 1, 0};
        double ax = a[0] * x[0] + a[1] * x[1] + a[2] * x[2];
        double[] e1 = unit(add(a, x, -ax));
        double[] e2 = cross(x, e1);
        return new double[][] {e1, e2};
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    /**
     * v is the tangential gradient of Φ and div its surface divergence {@code tr(P DV)}: against central differences
     * of the potential and of the (ambient) field.
     */
    @Test
    void fieldIsTheSurfaceGradientAndItsDivergence() {
        for (SphereSymmetry symmetry : SphereSymmetry.values()) {
            SphereFlow flow = strongFlow(symmetry, 4);
            double h = 1e-5;
            double t = 0.41;
            for (double[] x : points(5, new SplittableRandom(11))) {
                double[] at = flow.field(new double[][] {x}, t)[0];
                assertEquals(0, at[0] * x[0] + at[1] * x[1] + at[2] * x[2], 1e-12, "v is tangent");
                double div = 0;
                for (double[] e : tangents(x)) {
                    double[][] pm = flow.field(new double[][] {add(x, e, h), add(x, e, -h)}, t);
                    double dPhi = (pm[0][4] - pm[1][4]) / (2 * h);
                    assertEquals(dPhi, dot(at, e), 1e-8, symmetry + ": v·e = dΦ/de");
                    double[] dv = {(pm[0][0] - pm[1][0]) / (2 * h), (pm[0][1] - pm[1][1]) / (2 * h), (pm[0][2] - pm[1][2]) / (2 * h)};
                    div += dot(dv, e);
                }
                assertEquals(div, at[3], 1e-7 * Math.max(1, Math.abs(div)), symmetry + ": divergence");
            }
        }
    }

    /**
     * {@code log q(F(x)) = −log 4π − log J(x)}, J the area Jacobian {@code |DF e1 × DF e2|} of the integrated map by
     * central differences on the sphere; and the backward flow returns to the start.
     */
    @Test
    void logDensityIsTheAreaJacobianOfTheIntegratedMapAndTheInverseReturns() {
        for (SphereSymmetry symmetry : SphereSymmetry.values()) {
            SphereFlow flow = strongFlow(symmetry, 32);
            double[][] x0 = points(4, new SplittableRandom(13));
            SphereFlow.Pass pass = flow.forward(x0);
            double h = 1e-5;
            for (int i = 0; i < x0.length; i++) {
                double[][] e = tangents(x0[i]);
                double[][] d = new double[2][];
                for (int c = 0; c < 2; c++) {
                    double[][] ends = flow.forward(new double[][] {unit(add(x0[i], e[c], h)), unit(add(x0[i], e[c], -h))}).points();
                    d[c] = add(ends[0], ends[1], -1);
                    d[c] = new double[] {d[c][0] / (2 * h), d[c][1] / (2 * h), d[c][2] / (2 * h)};
                }
                double jac = dot(cross(d[0], d[1]), pass.points()[i]);
                double expected = -SphereFlow.LOG_AREA - Math.log(jac);
                assertTrue(Math.abs(pass.logDensity()[i] + SphereFlow.LOG_AREA) > 0.1, "far from uniform: " + pass.logDensity()[i]);
                assertEquals(expected, pass.logDensity()[i], 2e-5, symmetry + ": log q against the Jacobian");
            }
            SphereFlow.Pass back = flow.inverse(pass.points());
            for (int i = 0; i < x0.length; i++) {
                assertEquals(0, Math.sqrt(dot(add(back.points()[i], x0[i], -1), add(back.points()[i], x0[i], -1))), 1e-6, "round trip");
                assertEquals(pass.logDensity()[i], back.logDensity()[i], 1e-6, "log q forward and backward");
                assertEquals(1, Math.sqrt(dot(pass.points()[i], pass.points()[i])), 1e-14, "on the sphere");
            }
        }
    }

    /** The density integrates to 1 over the sphere: an axis-symmetric one by Simpson's rule in z ({@code dA = 2π dz}). */
    @Test
    void densityIsNormalised() {
        SphereFlow flow = strongFlow(SphereSymmetry.AXIS_Z, 32);
        int intervals = 2000;
        double[][] meridian = new double[intervals + 1][];
        for (int i = 0; i <= intervals; i++) {
            double z = -1 + 2.0 * i / intervals;
            double r = Math.sqrt(Math.max(0, 1 - z * z));
            meridian[i] = new double[] {r, 0, z};
        }
        double[] lq = flow.inverse(meridian).logDensity();
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= intervals; i++) {
            double w = i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.exp(lq[i]);
            max = Math.max(max, lq[i]);
            min = Math.min(min, lq[i]);
        }
        double total = 2 * Math.PI * sum * (2.0 / intervals) / 3;
        assertTrue(max - min > 1, "the density is far from uniform: log q from " + min + " to " + max);
        assertEquals(1, total, 1e-6, "∫ q dA");
    }

    /** Axis:z is invariant under rotations about z to round-off; the unconstrained flow is not. */
    @Test
    void axisFlowIsInvariantUnderRotationsAboutZ() {
        double[][] x = points(50, new SplittableRandom(17));
        SplittableRandom rng = new SplittableRandom(19);
        for (SphereSymmetry symmetry : SphereSymmetry.values()) {
            SphereFlow flow = strongFlow(symmetry, 8);
            double worst = 0;
            for (int k = 0; k < 5; k++) {
                double a = 2 * Math.PI * rng.nextDouble();
                double[][] rotated = new double[x.length][];
                for (int i = 0; i < x.length; i++) {
                    rotated[i] = new double[] {Math.cos(a) * x[i][0] - Math.sin(a) * x[i][1], Math.sin(a) * x[i][0] + Math.cos(a) * x[i][1],
                            x[i][2]};
                }
                double[] lq = flow.inverse(x).logDensity();
                double[] lr = flow.inverse(rotated).logDensity();
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(lq[i] - lr[i]));
                }
            }
            if (symmetry == SphereSymmetry.AXIS_Z) {
                assertTrue(worst <= 1e-12, "invariance error " + worst);
            } else {
                assertTrue(worst > 1e-2, "the unconstrained flow is not invariant: " + worst);
            }
        }
    }

    /** The fused engine equals the graph: the field, both passes, the loss and every weight gradient. */
    @Test
    void fusedEngineEqualsTheGraph() {
        for (SphereSymmetry symmetry : SphereSymmetry.values()) {
            SphereFlow flow = strongFlow(symmetry, 3);
            double[][] x = points(6, new SplittableRandom(23));
            double[][] g = flow.field(x, 0.3);
            double[][] f = flow.fusedField(x, 0.3);
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < 5; j++) {
                    assertEquals(g[i][j], f[i][j], 1e-10 * (1 + Math.abs(g[i][j])), "field " + i + "," + j);
                }
            }
            for (boolean forward : new boolean[] {true, false}) {
                flow.useEngine(Engine.GRAPH);
                SphereFlow.Pass graph = forward ? flow.forward(x) : flow.inverse(x);
                flow.useEngine(Engine.FUSED);
                SphereFlow.Pass fused = forward ? flow.forward(x) : flow.inverse(x);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(graph.logDensity()[i], fused.logDensity()[i], 1e-10, "log q");
                    for (int j = 0; j < 3; j++) {
                        assertEquals(graph.points()[i][j], fused.points()[i][j], 1e-10, "point");
                    }
                }
            }
            INDArray batch = Nd4j.create(x).castTo(DataType.DOUBLE);
            flow.useEngine(Engine.GRAPH);
            Objective graph = flow.objective(batch, 0);
            flow.useEngine(Engine.FUSED);
            Objective fused = flow.objective(batch, 0);
            assertEquals(graph.loss(), fused.loss(), 1e-10, "loss");
            for (Map.Entry<String, double[]> e : graph.gradients().entrySet()) {
                double[] a = e.getValue();
                double[] b = fused.gradients().get(e.getKey());
                double scale = 0;
                for (double v : a) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertTrue(scale > 0, e.getKey() + " gets a gradient");
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-9 * scale, symmetry + " " + e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    /** The weight gradients are those of the loss: central differences of the loss in a few weights. */
    @Test
    void gradientsMatchFiniteDifferences() {
        SphereFlow flow = strongFlow(SphereSymmetry.NONE, 3);
        INDArray batch = Nd4j.create(points(5, new SplittableRandom(29))).castTo(DataType.DOUBLE);
        Objective o = flow.objective(batch, 0);
        double h = 1e-6;
        for (String name : new String[] {"phiW1", "phiB2", "phiW3"}) {
            INDArray w = flow.parameters().get(name);
            for (int i : new int[] {0, (int) w.length() - 1}) {
                double v = w.getDouble(i);
                w.putScalar(i, v + h);
                double plus = flow.objective(batch, 0).loss();
                w.putScalar(i, v - h);
                double minus = flow.objective(batch, 0).loss();
                w.putScalar(i, v);
                double fd = (plus - minus) / (2 * h);
                assertEquals(fd, o.gradients().get(name)[i], 1e-6 * Math.max(1, Math.abs(fd)), name + "[" + i + "]");
            }
        }
    }

    /** Rows off the sphere are refused with the reason. */
    @Test
    void pointsOffTheSphereAreRefused() {
        SphereFlow flow = SphereFlow.create(SphereFlow.Config.defaults(SphereSymmetry.AXIS_Z, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> flow.inverse(new double[][] {{1, 1, 0}}));
        assertTrue(e.getMessage().contains("|x| = 1.41421"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SphereSymmetry.parse("axis:y"));
    }
}
