package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.ModelFileException;
import org.eqflow.core.symmetry.Generator;
import org.eqflow.core.symmetry.LinearGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** User generators are stored by class name and parameters, and come back from a model file. */
class SymmetrySpecTest {
    @TempDir
    Path dir;

    /** Rotations of the plane of two coordinates given as parameters, e.g. "0,2". */
    public static final class PlaneRotation implements Generator {
        private final LinearGenerator linear;

        public PlaneRotation(int dimension, String args) {
            String[] ij = args.split(",");
            if (ij.length != 2) {
                throw new IllegalArgumentException("expected two coordinates i,j, got '" + args + "'");
            }
            double[][] a = new double[dimension][dimension];
            int i = Integer.parseInt(ij[0].trim());
            int j = Integer.parseInt(ij[1].trim());
            a[i][j] = 1;
            a[j][i] = -1;
            linear = new LinearGenerator("plane(" + args + ")", a);
        }

        @Override public String name() { return linear.name(); }
        @Override public int dimension() { return linear.dimension(); }
        @Override public SDVariable value(SameDiff sd, PhaseState s) { return linear.value(sd, s); }
        @Override public SDVariable gradQ(SameDiff sd, PhaseState s) { return linear.gradQ(sd, s); }
        @Override public SDVariable gradP(SameDiff sd, PhaseState s) { return linear.gradP(sd, s); }
    }

    @Test
    void parametersTravelWithTheClassName() throws Exception {
        String spec = "class:" + PlaneRotation.class.getName() + ":0,2";
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(3).hidden(4).symmetry(spec).seed(1).build());
        assertEquals(List.of("plane(0,2)"), m.generatorNames());
        Path file = dir.resolve("m.zip");
        ModelFile.save(m, file, false);
        ModelFileException refused = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(refused.getMessage().contains("--allow-class " + PlaneRotation.class.getName()), refused.getMessage());
        assertEquals(List.of("plane(0,2)"), ModelFile.load(file, LoadOptions.allowClasses(PlaneRotation.class.getName()))
                .generatorNames());
        assertEquals(List.of("plane(0,2)"), ModelFile.load(file, LoadOptions.allowClasses("org.eqflow.core")).generatorNames());
    }

    @Test
    void badParametersAndMissingClassesAreClear() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(
                FlowConfig.builder(3).symmetry("class:" + PlaneRotation.class.getName() + ":0").build()));
        assertTrue(bad.getMessage().contains("rejected its parameters") && bad.getMessage().contains("two coordinates"), bad.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(
                FlowConfig.builder(3).symmetry("class:org.example.Gone:1").build()));
        assertTrue(missing.getMessage().contains("org.example.Gone") && missing.getMessage().contains("class path"), missing.getMessage());
    }
}
