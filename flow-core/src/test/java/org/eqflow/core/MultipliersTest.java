package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.eqflow.core.objective.LagrangeMultipliers;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;

/** The multiplier update and the graph's naming: λ rises while C > κ, falls while C < κ, stays in range. */
class MultipliersTest {

    @Test
    void multipliersFollowTheViolation() {
        FlowConfig c = FlowConfig.builder(2).symmetry("so2").kappa(1e-3).multiplierRate(0.1).multiplierEma(0.5).maxMultiplier(100).build();
        LagrangeMultipliers m = new LagrangeMultipliers(1, c.multiplierSettings());
        double previous = m.values()[0];
        for (int i = 0; i < 20; i++) {
            m.update(new double[] {1.0});
            assertTrue(m.values()[0] > previous, "violated: λ grows");
            assertTrue(m.values()[0] <= previous * Math.exp(0.1) + 1e-12, "by at most e^η per step");
            previous = m.values()[0];
        }
        for (int i = 0; i < 200; i++) {
            m.update(new double[] {0.0});
        }
        assertTrue(m.values()[0] < previous, "satisfied: λ shrinks");
        for (int i = 0; i < 2000; i++) {
            m.update(new double[] {1e6});
        }
        assertEquals(100, m.values()[0], 1e-9, "clamped at λmax");
    }

    @Test
    void everyLeapFrogStepHasItsOwnNameScope() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).leapfrogSteps(3).build());
        List<String> names = m.graph().variables().stream().map(SDVariable::name).toList();
        for (String scope : new String[] {"leapfrog0/", "leapfrog2/", "inverseLeapfrog0/", "inverseLeapfrog2/", "elbo/"}) {
            assertTrue(names.stream().anyMatch(n -> n.startsWith(scope)), "a variable in scope " + scope);
        }
    }
}
