package org.eqflow.core.symmetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.flow.PhaseState;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Symmetry specs are typed values: a print/parse round trip, checked without constructing, built once per model. */
class SymmetrySpecParseTest {

    /** Counts its constructions. */
    public static final class Counted implements Generator {
        static final AtomicInteger CONSTRUCTED = new AtomicInteger();
        private final LinearGenerator ops;

        public Counted(int dimension) {
            CONSTRUCTED.incrementAndGet();
            double[][] a = new double[dimension][dimension];
            a[0][1] = 1;
            a[1][0] = -1;
            ops = new LinearGenerator("counted", a);
        }

        @Override public String name() { return "counted"; }
        @Override public int dimension() { return ops.dimension(); }
        @Override public SDVariable value(SameDiff sd, PhaseState s) { return ops.value(sd, s); }
        @Override public SDVariable gradQ(SameDiff sd, PhaseState s) { return ops.gradQ(sd, s); }
        @Override public SDVariable gradP(SameDiff sd, PhaseState s) { return ops.gradP(sd, s); }
        @Override public java.util.Optional<double[][]> matrix() { return ops.matrix(); }
    }

    @Test
    void everyFormPrintsWhatParsesBackToItself() {
        List<String> texts = List.of("none", "so3", "so2:0,2", " so2: 2 , 1 ", "linear:flip:0,1;-1,0.5", "linear:t:0,-1e-300;1,0",
                "class:com.example.Gen", "class:com.example.Gen:a,b:c");
        for (String t : texts) {
            SymmetrySpec once = SymmetrySpec.parse(t, 3 - (t.startsWith("linear") ? 1 : 0));
            int d = t.startsWith("linear") ? 2 : 3;
            assertEquals(once.print(), SymmetrySpec.parse(once.print(), d).print(), t);
        }
        assertEquals("so2:2,1", SymmetrySpec.parse(" so2: 2 , 1 ", 3).print());
        assertInstanceOf(SymmetrySpec.Rotations.class, SymmetrySpec.parse("SO3", 3));
        assertEquals(new SymmetrySpec.UserClass("com.example.Gen", "a,b:c"), SymmetrySpec.parse("class:com.example.Gen:a,b:c", 3));
    }

    @Test
    void checksHappenWithoutBuilding() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SymmetrySpec.parse("so3:0,1,5", 4)).getMessage()
                .contains("outside 0..3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SymmetrySpec.parse("so2:1,1", 4)).getMessage()
                .contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SymmetrySpec.parse("so400", 400)).getMessage()
                .contains("rotate a smaller subset"));
    }

    @Test
    void aClassSpecIsConstructedOncePerModelAndNotByTheConfiguration() {
        int before = Counted.CONSTRUCTED.get();
        FlowConfig config = FlowConfig.builder(2).hidden(4).symmetry("class:" + Counted.class.getName()).build();
        config.toBuilder().learningRate(1e-3).build();
        assertEquals(before, Counted.CONSTRUCTED.get(), "building and copying a configuration constructs nothing");
        EquivariantHamiltonianFlow model = EquivariantHamiltonianFlow.create(config);
        model.setThreads(2);
        assertEquals(before + 1, Counted.CONSTRUCTED.get(), "one construction for the model, its engines and threads");
        assertTrue(model.usesFusedPath());
    }
}
