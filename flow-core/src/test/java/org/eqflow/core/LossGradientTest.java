package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight gradients of the whole loss (ELBO through the Leap-Frog flow, which contains the energies'
 * input gradients, plus the Lagrangian penalty) against central finite differences in float64, with
 * fixed noise. Passing means {@code |a − n| ≤ 1e-4·max(|a|,|n|) + 1e-8} for every checked element.
 */
class LossGradientTest {
    private static final double H = 1e-6;

    /**
     * A model at a generic point: biases start at exactly zero, where a relu unit of the encoder whose
     * inputs are all zero would sit on its kink and finite differences would see half a derivative.
     */
    private static EquivariantHamiltonianFlow model(int hidden, FlowConfig.Constraint constraint) {
        return perturbed(create(hidden, constraint, 1));
    }

    private static EquivariantHamiltonianFlow perturbed(EquivariantHamiltonianFlow m) {
        return TestSupport.perturbBiases(m);
    }

    private static EquivariantHamiltonianFlow create(int hidden, FlowConfig.Constraint constraint, int trainingSamples) {
        return EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(hidden).symmetry("so2").constraint(constraint)
                .separateHamiltonians(true).learnableStepSize(true).stepSize(0.4).trainingSamples(trainingSamples)
                .float64().seed(21).build());
    }

    @Test
    void everyElementAtSmallHiddenSize() {
        int checked = checkEveryElement(model(8, FlowConfig.Constraint.SOFT), TestSupport.gaussian(4, 16, 2, 1.5), 5);
        assertTrue(checked > 600, "checked " + checked + " elements");
    }

    /** The importance-weighted bound (K = 3 draws per point), on the fused engine and on the graph. */
    @Test
    void importanceWeightedBoundEveryElement() {
        EquivariantHamiltonianFlow m = perturbed(create(6, FlowConfig.Constraint.SOFT, 3));
        INDArray x = TestSupport.gaussian(8, 10, 2, 1.5);
        assertTrue(checkEveryElement(m, x, 4) > 300);
        m.useFusedPath(false);
        Map<String, INDArray> grads = m.gradients(x, 4);
        for (String name : m.parameterNames()) {  // the graph: every seventh element (the parity tests hold it to the fused engine)
            INDArray param = m.graph().getVariable(name).getArr();
            for (long i = 0; i < param.length(); i += 7) {
                check(m, x, 4, name, param, i, grads.get(name).getDouble(i));
            }
        }
    }

    @Test
    void hardConstraintEveryElement() {
        checkEveryElement(model(6, FlowConfig.Constraint.HARD), TestSupport.gaussian(6, 16, 2, 1.5), 2);
    }

    @Test
    void randomElementsAndDirectionsAtFullSize() {
        EquivariantHamiltonianFlow m = model(128, FlowConfig.Constraint.SOFT);
        INDArray x = TestSupport.gaussian(7, 16, 2, 1.5);
        long noise = 9;
        Map<String, INDArray> grads = m.gradients(x, noise);
        SplittableRandom rng = new SplittableRandom(3);
        for (String name : m.parameterNames()) {
            INDArray param = m.graph().getVariable(name).getArr();
            for (int k = 0; k < Math.min(6, param.length()); k++) {
                long i = rng.nextLong(param.length());
                check(m, x, noise, name, param, i, grads.get(name).getDouble(i));
            }
        }
        for (int dir = 0; dir < 3; dir++) {
            List<INDArray> v = new ArrayList<>();
            double analytic = 0;
            for (String name : m.parameterNames()) {
                INDArray r = TestSupport.gaussian(100 + dir * 97L + v.size(), 1, (int) m.graph().getVariable(name).getArr().length(), 1.0)
                        .reshape(m.graph().getVariable(name).getArr().shape());
                v.add(r);
                analytic += grads.get(name).mul(r).sumNumber().doubleValue();
            }
            double numeric = (shifted(m, x, v, H) - shifted(m, x, v, -H)) / (2 * H);
            assertTrue(TestSupport.close(analytic, numeric, 1e-4, 1e-8),
                    "directional derivative " + dir + ": analytic " + analytic + " numeric " + numeric);
        }
    }

    /** Checks every element of every variable; returns how many. */
    private static int checkEveryElement(EquivariantHamiltonianFlow m, INDArray x, long noise) {
        Map<String, INDArray> grads = m.gradients(x, noise);
        int checked = 0;
        for (String name : m.parameterNames()) {
            INDArray param = m.graph().getVariable(name).getArr();
            for (long i = 0; i < param.length(); i++) {
                check(m, x, noise, name, param, i, grads.get(name).getDouble(i));
                checked++;
            }
        }
        return checked;
    }

    private static double shifted(EquivariantHamiltonianFlow m, INDArray x, List<INDArray> v, double h) {
        List<String> names = m.parameterNames();
        for (int k = 0; k < names.size(); k++) {
            m.graph().getVariable(names.get(k)).getArr().addi(v.get(k).mul(h));
        }
        double loss = m.loss(x, 9);
        for (int k = 0; k < names.size(); k++) {
            m.graph().getVariable(names.get(k)).getArr().subi(v.get(k).mul(h));
        }
        return loss;
    }

    private static void check(EquivariantHamiltonianFlow m, INDArray x, long noise, String name, INDArray param, long i,
                              double analytic) {
        INDArray flat = param.reshape(param.length());
        double orig = flat.getDouble(i);
        flat.putScalar(i, orig + H);
        double plus = m.loss(x, noise);
        flat.putScalar(i, orig - H);
        double minus = m.loss(x, noise);
        flat.putScalar(i, orig);
        double numeric = (plus - minus) / (2 * H);
        assertTrue(TestSupport.close(analytic, numeric, 1e-4, 1e-8),
                name + "[" + i + "]: analytic " + analytic + " numeric " + numeric);
    }
}
