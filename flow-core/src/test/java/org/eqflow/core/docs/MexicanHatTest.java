package org.eqflow.core.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.eval.Importance;
import org.eqflow.core.eval.ReverseKlEvaluation;
import org.eqflow.core.target.Quadrature;
import org.eqflow.core.target.UnnormalisedTarget;
import org.eqflow.core.target.UnnormalisedTargets;
import org.eqflow.core.train.BaseDraws;
import org.junit.jupiter.api.Test;

/** The energy of docs/energy.md ("Your own energy"): the page shows this code, and the code works. */
class MexicanHatTest {

    @Test
    void docsPageShowsThisExactCode() {
        TestSupport.assertDocsQuote("energy.md", "org/eqflow/core/docs/MexicanHat.java");
    }

    @Test
    void specLoadsTheClassAndGradientMatchesFiniteDifferences() {
        UnnormalisedTarget hat = UnnormalisedTargets.parse("class:org.eqflow.core.docs.MexicanHat:2.5");
        assertEquals("class:org.eqflow.core.docs.MexicanHat:2.5", hat.spec());
        double[] x = {0.7, -1.3};
        double[] g = new double[2];
        hat.energyAndGradient(x, g);
        for (int i = 0; i < 2; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += 1e-6;
            minus[i] -= 1e-6;
            assertEquals((hat.energy(plus) - hat.energy(minus)) / 2e-6, g[i], 1e-6 * (1 + Math.abs(g[i])));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnnormalisedTargets.parse("class:org.eqflow.core.docs.MexicanHat:-1"));
        assertTrue(e.getMessage().contains("beta must be a positive number"), e.getMessage());
    }

    /**
     * 300 reverse-KL updates from the page's recipe raise the ESS and bring log Ẑ to the normaliser by quadrature,
     * {@code Z = π ∫₀^∞ exp(−β(u − 1)²) du} (u = r²), within 4 standard errors and 0.05.
     */
    @Test
    void reverseKlTrainingApproachesTheNormaliser() {
        UnnormalisedTarget hat = new MexicanHat();
        EquivariantHamiltonianFlow flow = EquivariantHamiltonianFlow.create(
                FlowConfig.builder(2).symmetry(hat.symmetry()).hidden(16).seed(3).build());
        flow.trainByReverseKl(hat);
        Importance before = ReverseKlEvaluation.importance(flow, hat, 2000, 1, 8);
        BaseDraws draws = new BaseDraws(flow.parts().base(), 2, 3, flow.dataType());
        for (int t = 0; t < 300; t++) {
            flow.trainStep(draws.batch(t, 128));
        }
        Importance after = ReverseKlEvaluation.importance(flow, hat, 4000, 1, 8);
        double logZ = Math.log(Math.PI * Quadrature.simpson(u -> Math.exp(-4 * (u - 1) * (u - 1)), 0, 12, 6000).value());
        assertTrue(after.ess() > before.ess() + 0.2 && after.ess() > 0.6, "ESS " + before.ess() + " -> " + after.ess());
        assertEquals(logZ, after.logZ(), Math.min(0.05, 4 * after.logZStderr() + 0.01), "log Ẑ " + after);
    }
}
