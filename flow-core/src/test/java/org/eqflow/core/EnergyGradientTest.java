package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eqflow.core.energy.Energy;
import org.eqflow.core.energy.QuadraticEnergy;
import org.eqflow.core.energy.RadialEnergy;
import org.eqflow.core.energy.SoftplusMlp;
import org.eqflow.core.graph.GraphParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The analytic input gradient of every energy against central finite differences of its value, in float64. */
class EnergyGradientTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "radial-all", "radial-subsets", "quadratic"})
    void inputGradientMatchesFiniteDifferences(String kind) {
        int d = 4;
        SameDiff sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, DataType.DOUBLE, 7);
        Function<Void, Energy> make = v -> switch (kind) {
            case "mlp" -> new SoftplusMlp(params, "e", d, 16);
            case "radial-all" -> new RadialEnergy(params, "e", d, List.of(new int[] {0, 1, 2, 3}), 16);
            case "radial-subsets" -> new RadialEnergy(params, "e", d, List.of(new int[] {0, 2}, new int[] {3}), 16);
            default -> new QuadraticEnergy(d);
        };
        Energy energy = make.apply(null);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, d);
        energy.value(sd, x).rename("value");
        energy.gradient(sd, x).rename("gradient");

        INDArray points = TestSupport.gaussian(3, 16, d, 1.5);
        INDArray grad = sd.output(Map.of("x", points), "gradient").get("gradient");
        assertEquals(16, grad.rows());
        double h = 1e-5;
        double worst = 0;
        for (int i = 0; i < points.rows(); i++) {
            for (int j = 0; j < d; j++) {
                INDArray plus = points.dup();
                INDArray minus = points.dup();
                plus.putScalar(i, j, points.getDouble(i, j) + h);
                minus.putScalar(i, j, points.getDouble(i, j) - h);
                double numeric = (value(sd, plus, i) - value(sd, minus, i)) / (2 * h);
                double analytic = grad.getDouble(i, j);
                worst = Math.max(worst, Math.abs(numeric - analytic));
                assertTrue(TestSupport.close(analytic, numeric, 1e-6, 1e-9),
                        kind + ": dE/dx[" + i + "," + j + "] analytic " + analytic + " numeric " + numeric);
            }
        }
        assertTrue(worst < 1e-7, kind + ": worst error " + worst);
    }

    private static double value(SameDiff sd, INDArray points, int row) {
        return sd.output(Map.of("x", points), "value").get("value").getDouble(row, 0);
    }
}
