package org.eqflow.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.eval.EvaluationReport;
import org.eqflow.core.eval.Evaluator;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class EvaluatorTest {

    @Test
    void reportHasEveryFieldAndHonestGap() throws Exception {
        Target ring = Targets.parse("ring");
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(32).symmetry("so2")
                .constraint(FlowConfig.Constraint.HARD).learningRate(3e-3).seed(2).build());
        new Trainer(m, new TargetData(ring, 1), null, TrainingOptions.builder().iterations(200).batchSize(128).build(), List.of()).run();
        INDArray test = TestSupport.rows(ring.sample(400, new SplittableRandom(8)));
        EvaluationReport r = Evaluator.evaluate(m, test, 32, 3, Optional.empty(), Optional.of(ring));
        assertEquals(400, r.n());
        assertTrue(r.iwae() >= r.elbo() - 3 * r.elboStderr(), "IWAE " + r.iwae() + " vs ELBO " + r.elbo());
        assertEquals(-r.iwae(), r.nll(), 0.0);
        assertEquals(2.335, r.entropy(), 1e-3);
        assertTrue(r.gap() > -3 * r.gapStderr(), "held-out gap " + r.gap() + " ± " + r.gapStderr() + " is negative: a bug");
        assertEquals(r.nll() - r.entropy(), r.gap(), 0.05, "gap ≈ NLL − H on 400 points");
        assertNotNull(r.invarianceError());
        assertTrue(r.invarianceError() < 1e-4, "the hard constraint is exactly invariant, up to float32: " + r.invarianceError());
        assertTrue(r.constraint().get("so2(0,1)") < 1e-8);
        assertTrue(r.equivarianceError() < 1e-4, "the hard constraint's map is equivariant, up to float32: " + r.equivarianceError());

        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r));
        for (String field : new String[] {"n", "elbo", "iwae", "nll", "nll_stderr", "entropy", "gap", "gap_stderr",
            "invariance_error", "equivariance_error", "constraint", "multipliers"}) {
            assertTrue(json.has(field), "JSON report lacks " + field);
        }
    }
}
