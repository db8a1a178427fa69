package org.eqflow.core.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.energy.EnergySpec;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.ModelFileException;
import org.eqflow.core.model.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The energy of docs/generators.md ("Add your own energy"): the page shows this code, and the code works. */
class LearnedWellTest {
    private static final String SPEC = "class:org.eqflow.core.docs.LearnedWell";

    @Test
    void docsPageShowsThisExactCode() {
        TestSupport.assertDocsQuote("generators.md", "org/eqflow/core/docs/LearnedWell.java");
    }

    /** ∇U against central differences of U, at stiffnesses away from the initial ones, float64. */
    @Test
    void gradientMatchesFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        LearnedWell well = new LearnedWell(new GraphParameters(sd, DataType.DOUBLE, 1), "pot", 3, 8);
        sd.getVariable("potLogK").getArr().assign(TestSupport.rows(new double[][] {{0.3, -0.7, 1.1}}));
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        well.value(sd, x).rename("value");
        well.gradient(sd, x).rename("gradient");
        INDArray points = TestSupport.gaussian(2, 5, 3, 1.0);
        INDArray grad = sd.output(Map.of("x", points), "gradient").get("gradient");
        double h = 1e-5;
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                INDArray plus = points.dup();
                INDArray minus = points.dup();
                plus.putScalar(i, j, points.getDouble(i, j) + h);
                minus.putScalar(i, j, points.getDouble(i, j) - h);
                double numeric = (value(sd, plus, i) - value(sd, minus, i)) / (2 * h);
                assertTrue(TestSupport.close(grad.getDouble(i, j), numeric, 1e-7, 1e-10), "dU/dq[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void trainsFromItsClassNameOnTheGraphAndSaysSo() {
        FlowConfig config = FlowConfig.builder(2).hidden(16).symmetry("so2").potential(SPEC).separateHamiltonians(false).seed(2).build();
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(config);
        assertTrue(model.parameterNames().contains("potLogK"), model.parameterNames().toString());
        assertEquals("graph (energy org.eqflow.core.docs.LearnedWell has no fused kernel)", model.engineDescription());
        double before = model.graph().getVariable("potLogK").getArr().getDouble(0, 0);
        TrainStep step = null;
        for (int i = 0; i < 5; i++) {
            step = model.trainStep(TestSupport.gaussian(i, 64, 2, 1.5));
        }
        assertTrue(Double.isFinite(step.loss()));
        assertTrue(model.graph().getVariable("potLogK").getArr().getDouble(0, 0) != before, "the stiffness is learned");
    }

    @Test
    void aModelFileNamingItLoadsOnlyWhenAllowed(@TempDir Path dir) throws IOException {
        FlowConfig config = FlowConfig.builder(2).hidden(8).potential(SPEC).seed(2).build();
        Path file = dir.resolve("well.zip");
        ModelFile.save(EquivariantHamiltonianFlow.create(config), file, false);
        ModelFileException refused = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(refused.getMessage().contains("its potential energy names the class 'org.eqflow.core.docs.LearnedWell'"),
                refused.getMessage());
        EquivariantHamiltonianFlow loaded = ModelFile.load(file, LoadOptions.allowClasses("org.eqflow.core.docs"));
        assertEquals(SPEC, loaded.config().potential());
    }

    @Test
    void specsRoundTripAndBadOnesAreNamed() {
        for (String s : new String[] {"mlp", SPEC}) {
            assertEquals(s, EnergySpec.parse(s).print());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnergySpec.parse("class:1bad name"));
        assertTrue(e.getMessage().contains("not a Java class name"), e.getMessage());
        IllegalArgumentException hard = assertThrows(IllegalArgumentException.class, () -> FlowConfig.builder(2).symmetry("so2")
                .constraint(FlowConfig.Constraint.HARD).potential(SPEC).build());
        assertTrue(hard.getMessage().contains("the hard constraint's energies are radial MLPs"), hard.getMessage());
        IllegalArgumentException notEnergy = assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(
                FlowConfig.builder(2).hidden(4).potential("class:java.lang.Thread").build()));
        assertTrue(notEnergy.getMessage().contains("does not implement"), notEnergy.getMessage());
    }

    private static double value(SameDiff sd, INDArray points, int row) {
        return sd.output(Map.of("x", points), "value").get("value").getDouble(row, 0);
    }
}
