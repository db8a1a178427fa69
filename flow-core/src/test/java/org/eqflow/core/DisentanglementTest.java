package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.eqflow.core.eval.Disentanglement;
import org.eqflow.core.eval.EvaluationReport;
import org.eqflow.core.eval.Evaluator;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.target.Product;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A direct-product symmetry {@code so2:0,1 × so2:2,3}: the hard model built for it is equivariant to each factor
 * alone and acting with one factor leaves the other block's output unchanged (to round-off, on both engines); a model
 * built for another factorisation is neither. And the product target's density and entropy are the sums of its
 * factors'.
 */
class DisentanglementTest {
    private static final List<String> TRUE_FACTORS = List.of("so2:0,1", "so2:2,3");

    private static EquivariantHamiltonianFlow hard(List<String> symmetries) {
        return EquivariantHamiltonianFlow.create(FlowConfig.builder(4).hidden(12).symmetries(symmetries)
                .constraint(FlowConfig.Constraint.HARD).leapfrogSteps(3).separateHamiltonians(true).float64().seed(4).build());
    }

    private static Disentanglement.Factor measure(EquivariantHamiltonianFlow m, String factor) {
        INDArray q = TestSupport.gaussian(5, 16, 4, 1.5);
        INDArray p = TestSupport.gaussian(6, 16, 4, 1.0);
        Symmetry f = Symmetries.parseOne(factor, 4).orElseThrow();
        return Disentanglement.measure(m, q, p, f, 5, 23);
    }

    @Test
    void theRightFactorisationIsEquivariantToEachFactorAndDoesNotLeak() {
        EquivariantHamiltonianFlow m = hard(TRUE_FACTORS);
        for (Engine engine : new Engine[] {Engine.GRAPH, Engine.AUTO}) {
            m.useEngine(engine);
            for (String factor : TRUE_FACTORS) {
                Disentanglement.Factor r = measure(m, factor);
                assertTrue(r.equivarianceError() < 1e-10, engine + " " + factor + ": equivariance " + r.equivarianceError());
                assertTrue(r.leak() < 1e-10, engine + " " + factor + ": leak " + r.leak());
            }
        }
    }

    @Test
    void anotherFactorisationIsNeither() {
        EquivariantHamiltonianFlow wrong = hard(List.of("so2:0,2", "so2:1,3"));
        EquivariantHamiltonianFlow none = EquivariantHamiltonianFlow.create(FlowConfig.builder(4).hidden(12)
                .symmetries(TRUE_FACTORS).constraint(FlowConfig.Constraint.NONE).float64().seed(4).build());
        for (EquivariantHamiltonianFlow m : List.of(wrong, none)) {
            for (String factor : TRUE_FACTORS) {
                Disentanglement.Factor r = measure(m, factor);
                assertTrue(r.equivarianceError() > 1e-3, factor + ": equivariance " + r.equivarianceError());
                assertTrue(r.leak() > 1e-3, factor + ": leak " + r.leak());
            }
        }
    }

    /** The evaluator reports each factor of a two-spec model, and of given factors for another model. */
    @Test
    void theEvaluatorReportsEveryFactor() {
        INDArray x = TestSupport.gaussian(7, 40, 4, 1.5);
        EvaluationReport own = Evaluator.evaluate(hard(TRUE_FACTORS), x, 4, 3, Optional.empty(), Optional.empty());
        assertEquals(TRUE_FACTORS, List.copyOf(own.factors().keySet()));
        own.factors().values().forEach(f -> assertTrue(f.equivarianceError() < 1e-10 && f.leak() < 1e-10, f.toString()));
        Evaluator e = new Evaluator(hard(List.of("so2:0,2", "so2:1,3")), 4, 3, Optional.empty(), Optional.empty()).factors(TRUE_FACTORS);
        e.add(x);
        e.report().factors().values().forEach(f -> assertTrue(f.leak() > 1e-3, f.toString()));
    }

    /** The exact oracle: a product's log-density and entropy are its factors' sums, its draws their concatenation. */
    @Test
    void theProductTargetIsItsFactorsSideBySide() {
        Target product = Targets.parse("ring:2,0.2*ring:1,0.15");
        Target a = Targets.parse("ring:2,0.2");
        Target b = Targets.parse("ring:1,0.15");
        assertTrue(product instanceof Product);
        assertEquals(4, product.dimension());
        assertEquals(a.spec() + "*" + b.spec(), product.spec());
        assertEquals(a.entropy().nats() + b.entropy().nats(), product.entropy().nats(), 1e-12);
        double[] x = product.sample(new SplittableRandom(3));
        assertEquals(a.logDensity(new double[] {x[0], x[1]}) + b.logDensity(new double[] {x[2], x[3]}), product.logDensity(x), 1e-12);
        double r2 = 0;
        double[][] many = product.sample(4000, new SplittableRandom(5));
        for (double[] row : many) {
            r2 += Math.hypot(row[2], row[3]);
        }
        assertEquals(1.0, r2 / many.length, 0.02, "the second factor's mean radius");
    }
}
