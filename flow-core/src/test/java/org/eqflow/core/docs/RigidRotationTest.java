package org.eqflow.core.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.energy.SoftplusMlp;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.symmetry.GeneratorSet;
import org.eqflow.core.symmetry.LinearGenerator;
import org.eqflow.core.symmetry.PoissonBracket;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The generator of docs/generators.md: the page shows exactly this code, and the code works. */
class RigidRotationTest {

    @Test
    void docsPageShowsThisExactCode() {
        TestSupport.assertDocsQuote("generators.md", "org/eqflow/core/docs/RigidRotation.java");
    }

    @Test
    void bracketEqualsTheLinearGeneratorWithTheSameMatrix() {
        SameDiff sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, DataType.DOUBLE, 1);
        Hamiltonian h = new Hamiltonian(new SoftplusMlp(params, "kin", 4, 8), new SoftplusMlp(params, "pot", 4, 8));
        SDVariable q = sd.placeHolder("q", DataType.DOUBLE, -1, 4);
        SDVariable p = sd.placeHolder("p", DataType.DOUBLE, -1, 4);
        PhaseState s = new PhaseState(q, p);
        double[][] a = {{0, 1, 0, 0}, {-1, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, -1, 0}};
        PoissonBracket.withHamiltonian(sd, new GeneratorSet(List.of(new RigidRotation(4))), h, s).rename("custom");
        PoissonBracket.withHamiltonian(sd, new GeneratorSet(List.of(new LinearGenerator("A", a))), h, s).rename("linear");
        new RigidRotation(4).value(sd, s).rename("g");
        Map<String, INDArray> feeds = Map.of("q", TestSupport.gaussian(1, 8, 4, 1), "p", TestSupport.gaussian(2, 8, 4, 1));
        Map<String, INDArray> out = sd.output(feeds, "custom", "linear", "g");
        assertTrue(out.get("custom").sub(out.get("linear")).amaxNumber().doubleValue() < 1e-12);
        INDArray qs = feeds.get("q");
        INDArray ps = feeds.get("p");
        double g0 = ps.getDouble(0, 0) * qs.getDouble(0, 1) - ps.getDouble(0, 1) * qs.getDouble(0, 0)
                + ps.getDouble(0, 2) * qs.getDouble(0, 3) - ps.getDouble(0, 3) * qs.getDouble(0, 2);
        assertEquals(g0, out.get("g").getDouble(0), 1e-12);
    }

    @Test
    void trainsAsASoftConstraintFromItsClassName() {
        FlowConfig config = FlowConfig.builder(4).hidden(16)
                .symmetry("class:org.eqflow.core.docs.RigidRotation")
                .kappa(1e-4).seed(3).build();
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(config);
        assertEquals(List.of("rigid-rotation"), model.generatorNames());
        assertTrue(model.usesFusedPath(), "a generator with matrix() trains on the fused engine");
        TrainStep step = null;
        for (int i = 0; i < 5; i++) {
            step = model.trainStep(TestSupport.gaussian(i, 64, 4, 1.0));
        }
        assertEquals(1, step.constraints().length);
        assertTrue(Double.isFinite(step.loss()));
    }
}
