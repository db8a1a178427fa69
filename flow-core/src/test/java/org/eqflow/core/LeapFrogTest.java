package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.energy.SoftplusMlp;
import org.eqflow.core.flow.FlowBlock;
import org.eqflow.core.flow.HamiltonianFlow;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.graph.GraphParameters;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Invertibility, volume preservation, symplecticity, parity and order of accuracy of the Leap-Frog flow. */
class LeapFrogTest {

    private static EquivariantHamiltonianFlow model(FlowConfig.Precision precision, int steps, boolean separate) {
        return EquivariantHamiltonianFlow.create(FlowConfig.builder(3).hidden(32).leapfrogSteps(steps)
                .separateHamiltonians(separate).stepSize(0.3).precision(precision).seed(11).build());
    }

    @Test
    void roundTripIsExactInFloat64() {
        EquivariantHamiltonianFlow m = model(FlowConfig.Precision.FLOAT64, 10, true);
        INDArray q = TestSupport.gaussian(1, 64, 3, 1.5);
        INDArray p = TestSupport.gaussian(2, 64, 3, 1.5);
        INDArray[] fwd = m.forward(q, p);
        INDArray[] back = m.inverse(fwd[0], fwd[1]);
        assertTrue(fwd[0].sub(q).norm2Number().doubleValue() > 0.1, "the flow must actually move the states");
        double err = Math.max(maxAbs(back[0].sub(q)), maxAbs(back[1].sub(p)));
        assertTrue(err <= 1e-10, "float64 round trip error " + err);
    }

    @Test
    void roundTripIsAccurateInFloat32OverTenSteps() {
        EquivariantHamiltonianFlow m = model(FlowConfig.Precision.FLOAT32, 10, true);
        INDArray q = TestSupport.gaussian(1, 64, 3, 1.5).castTo(DataType.FLOAT);
        INDArray p = TestSupport.gaussian(2, 64, 3, 1.5).castTo(DataType.FLOAT);
        INDArray[] fwd = m.forward(q, p);
        INDArray[] back = m.inverse(fwd[0], fwd[1]);
        double err = Math.max(maxAbs(back[0].sub(q)), maxAbs(back[1].sub(p)));
        assertTrue(err <= 1e-4, "float32 round trip error " + err);
    }

    @Test
    void jacobianHasUnitDeterminantAndIsSymplectic() {
        EquivariantHamiltonianFlow m = model(FlowConfig.Precision.FLOAT64, 3, true);
        assertTrue(m.parts().flow().isVolumePreserving());
        assertEquals(0.0, m.parts().flow().logAbsDetJacobian());
        int d = 3;
        INDArray states = TestSupport.gaussian(5, 4, 2 * d, 1.0);
        for (int s = 0; s < states.rows(); s++) {
            double[] x = states.getRow(s).toDoubleVector();
            double[][] jac = new double[2 * d][2 * d];
            double h = 1e-5;
            for (int j = 0; j < 2 * d; j++) {
                double[] plus = x.clone();
                double[] minus = x.clone();
                plus[j] += h;
                minus[j] -= h;
                double[] fp = forward(m, plus, d);
                double[] fm = forward(m, minus, d);
                for (int i = 0; i < 2 * d; i++) {
                    jac[i][j] = (fp[i] - fm[i]) / (2 * h);
                }
            }
            assertEquals(1.0, TestSupport.determinant(jac), 1e-7, "det J at state " + s);
            double[][] omega = new double[2 * d][2 * d];
            for (int i = 0; i < d; i++) {
                omega[i][d + i] = 1;
                omega[d + i][i] = -1;
            }
            double[][] jtoj = multiply(transpose(jac), multiply(omega, jac));
            for (int i = 0; i < 2 * d; i++) {
                for (int j = 0; j < 2 * d; j++) {
                    assertEquals(omega[i][j], jtoj[i][j], 1e-7, "JᵀΩJ[" + i + "," + j + "] at state " + s);
                }
            }
        }
    }

    @Test
    void matchesPlainJavaReference() {
        for (boolean separate : new boolean[] {false, true}) {
            EquivariantHamiltonianFlow m = model(FlowConfig.Precision.FLOAT64, 3, separate);
            ReferenceFlow ref = new ReferenceFlow(m.state());
            INDArray q = TestSupport.gaussian(8, 16, 3, 1.0);
            INDArray p = TestSupport.gaussian(9, 16, 3, 1.0);
            INDArray[] fwd = m.forward(q, p);
            INDArray[] inv = m.inverse(q, p);
            INDArray logJoint = m.logJoint(q, p);
            for (int i = 0; i < 16; i++) {
                double[][] r = ref.forward(q.getRow(i).toDoubleVector(), p.getRow(i).toDoubleVector());
                double[][] ri = ref.inverse(q.getRow(i).toDoubleVector(), p.getRow(i).toDoubleVector());
                for (int j = 0; j < 3; j++) {
                    assertEquals(r[0][j], fwd[0].getDouble(i, j), 1e-12);
                    assertEquals(r[1][j], fwd[1].getDouble(i, j), 1e-12);
                    assertEquals(ri[0][j], inv[0].getDouble(i, j), 1e-12);
                    assertEquals(ri[1][j], inv[1].getDouble(i, j), 1e-12);
                }
                assertEquals(ref.logJoint(q.getRow(i).toDoubleVector(), p.getRow(i).toDoubleVector()),
                        logJoint.getDouble(i), 1e-11);
            }
        }
    }

    /** Leap-Frog is second order: at fixed total time T = Lε the energy error is O(ε²). */
    @Test
    void energyErrorIsSecondOrderAtFixedTotalTime() {
        int d = 2;
        double total = 1.0;
        int[] steps = {8, 16, 32, 64};
        SameDiff sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, DataType.DOUBLE, 3);
        Hamiltonian ham = new Hamiltonian(new SoftplusMlp(params, "kin", d, 16), new SoftplusMlp(params, "pot", d, 16));
        SDVariable q = sd.placeHolder("q", DataType.DOUBLE, -1, d);
        SDVariable p = sd.placeHolder("p", DataType.DOUBLE, -1, d);
        SDVariable hStart = ham.kinetic().value(sd, p).add(ham.potential().value(sd, q));
        for (int L : steps) {
            List<FlowBlock> blocks = new ArrayList<>();
            SDVariable eps = sd.constant(Nd4j.scalar(total / L));
            for (int i = 0; i < L; i++) {
                blocks.add(new FlowBlock(ham, eps));
            }
            PhaseState end = new HamiltonianFlow(blocks).forward(sd, new PhaseState(q, p));
            SDVariable hEnd = ham.kinetic().value(sd, end.p()).add(ham.potential().value(sd, end.q()));
            sd.math.abs(hEnd.sub(hStart)).mean().rename("err" + L);
        }
        Map<String, INDArray> feeds = Map.of("q", TestSupport.gaussian(1, 128, d, 2.0), "p", TestSupport.gaussian(2, 128, d, 2.0));
        double[] x = new double[steps.length];
        double[] y = new double[steps.length];
        for (int k = 0; k < steps.length; k++) {
            x[k] = Math.log(total / steps[k]);
            y[k] = Math.log(sd.output(feeds, "err" + steps[k]).get("err" + steps[k]).getDouble(0));
        }
        double slope = slope(x, y);
        assertEquals(2.0, slope, 0.2, "log-log slope of the energy error against ε");
    }

    private static double[] forward(EquivariantHamiltonianFlow m, double[] x, int d) {
        INDArray q = Nd4j.create(java.util.Arrays.copyOfRange(x, 0, d), new long[] {1, d}, DataType.DOUBLE);
        INDArray p = Nd4j.create(java.util.Arrays.copyOfRange(x, d, 2 * d), new long[] {1, d}, DataType.DOUBLE);
        INDArray[] out = m.forward(q, p);
        double[] r = new double[2 * d];
        for (int i = 0; i < d; i++) {
            r[i] = out[0].getDouble(0, i);
            r[d + i] = out[1].getDouble(0, i);
        }
        return r;
    }

    static double maxAbs(INDArray a) {
        return a.castTo(DataType.DOUBLE).amaxNumber().doubleValue();
    }

    private static double slope(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i] / x.length;
            my += y[i] / y.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxy / sxx;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }
}
