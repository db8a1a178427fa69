package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.eqflow.core.graph.StableOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** softplus and log-sigmoid stay finite and exact where ND4J's own overflow (float32: beyond 88). */
class StableOpsTest {

    /** The derivative SameDiff computes through the stable form is sigmoid(x) on both sides of the switch. */
    @org.junit.jupiter.api.Test
    void gradientIsSigmoidEverywhere() {
        double[] xs = {-800, -40, -5, 0, 5, 29.5, 30.5, 45, 800};
        SameDiff sd = SameDiff.create();
        org.nd4j.autodiff.samediff.SDVariable x = sd.var("x", Nd4j.createFromArray(xs));
        StableOps.softplus(sd, x).sum().rename("s");
        sd.setLossVariables("s");
        org.eqflow.core.graph.Quiet.createGradFunction(sd);
        INDArray g = sd.calculateGradients(Map.of(), "x").get("x");
        for (int i = 0; i < xs.length; i++) {
            assertEquals(1 / (1 + Math.exp(-xs[i])), g.getDouble(i), 1e-12, "d softplus/dx at " + xs[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void finiteAndExactEverywhere(DataType dt) {
        double[] xs = {-800, -100, -20, -1, 0, 1, 20, 89, 100, 800};
        SameDiff sd = SameDiff.create();
        INDArray v = Nd4j.createFromArray(xs).castTo(dt);
        StableOps.softplus(sd, sd.constant(v)).rename("sp");
        StableOps.logSigmoid(sd, sd.constant(v)).rename("ls");
        Map<String, INDArray> out = sd.output(Map.of(), "sp", "ls");
        double tol = dt == DataType.FLOAT ? 1e-6 : 1e-14;
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double exact = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            double sp = out.get("sp").getDouble(i);
            double ls = out.get("ls").getDouble(i);
            assertTrue(Double.isFinite(sp) && Double.isFinite(ls), "x = " + x);
            assertEquals(exact, sp, tol * Math.max(1, Math.abs(exact)) + (dt == DataType.FLOAT ? 1e-7 : 0), "softplus(" + x + ")");
            assertEquals(x - exact, ls, tol * Math.max(1, Math.abs(exact)) + (dt == DataType.FLOAT ? 1e-7 : 0), "logSigmoid(" + x + ")");
        }
    }
}
