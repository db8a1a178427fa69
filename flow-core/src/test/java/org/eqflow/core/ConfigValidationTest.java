package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Invalid configurations are rejected when built, with a message that says how to fix them. */
class ConfigValidationTest {

    private static void rejects(Supplier<?> build, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should mention '" + expected + "'");
    }

    @Test
    void rejectsBadNumbers() {
        rejects(() -> FlowConfig.builder(2).symmetry("so2").kappa(-1).build(), "kappa");
        rejects(() -> FlowConfig.builder(2).stepSize(0).build(), "step size");
        rejects(() -> FlowConfig.builder(2).stepSize(-0.1).build(), "step size");
        rejects(() -> FlowConfig.builder(2).leapfrogSteps(0).build(), "Leap-Frog steps");
        rejects(() -> FlowConfig.builder(2).hidden(0).build(), "hidden");
        rejects(() -> FlowConfig.builder(0).build(), "dimension");
        rejects(() -> FlowConfig.builder(2).learningRate(0).build(), "learning rate");
        rejects(() -> FlowConfig.builder(2).scale(0).build(), "scale");
    }

    @Test
    void rejectsBadSymmetries() {
        rejects(() -> FlowConfig.builder(2).symmetry("su2").build(), "unknown symmetry");
        rejects(() -> FlowConfig.builder(2).symmetry("so3").build(), "must equal the data dimension");
        rejects(() -> FlowConfig.builder(3).symmetry("so2:0,3").build(), "outside 0..2");
        rejects(() -> FlowConfig.builder(3).symmetry("so2:0,1,2").build(), "lists 3 coordinates");
        rejects(() -> FlowConfig.builder(3).symmetry("so2:1,1").build(), "twice");
        rejects(() -> FlowConfig.builder(2).symmetry("linear:rot:0,-1,0;1,0,0;0,0,0").build(), "dimension 2");
        // a class: spec is loaded when a model is built, not by the configuration
        rejects(() -> EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("class:com.example.Missing").build()),
                "not on the class path");
        rejects(() -> FlowConfig.builder(2).constraint(FlowConfig.Constraint.HARD).build(), "needs a symmetry");
        rejects(() -> FlowConfig.builder(2).symmetry("linear:rot:0,-1;1,0").constraint(FlowConfig.Constraint.HARD).build(),
                "no radial");
        rejects(() -> FlowConfig.builder(2).base("uniform").build(), "unknown base density");
    }

    @Test
    void defaultsAreTheMeasuredRecipe() {
        FlowConfig c = FlowConfig.builder(2).symmetry("so2").build();
        assertEquals(64, c.hidden());
        assertEquals(4, c.leapfrogSteps());
        assertTrue(c.separateHamiltonians());
        assertEquals(2e-3, c.learningRate());
        assertEquals(1e-3, c.kappa());
        assertEquals(1e-2, c.initialMultiplier());
        assertEquals(FlowConfig.PenaltySites.DATA_AND_BASE, c.penaltySites());
        assertEquals(FlowConfig.Builder.DEFAULT_TRAINING_SAMPLES, c.trainingSamples());
        assertEquals(FlowConfig.Constraint.HARD, c.constraint(), "so(k) has an exact form: hard by default");
        assertEquals(FlowConfig.Constraint.NONE, FlowConfig.builder(2).build().constraint());
        assertEquals(c, c.toBuilder().build());
    }

    /** Soft where no exact form exists, or when a setting of the soft constraint says it is meant. */
    @Test
    void theSoftConstraintIsTheDefaultWhereHardHasNoFormOrSoftIsAskedFor() {
        assertEquals(FlowConfig.Constraint.SOFT, FlowConfig.builder(2).symmetry("linear:shear:0,1;0,0").build().constraint());
        assertEquals(FlowConfig.Constraint.SOFT, FlowConfig.builder(2).symmetry("so2").kappa(1e-2).build().constraint());
        assertEquals(FlowConfig.Constraint.SOFT, FlowConfig.builder(2).symmetry("so2").initialMultiplier(1).build().constraint());
        assertEquals(FlowConfig.Constraint.SOFT, FlowConfig.builder(2).symmetry("so2")
                .penaltySites(FlowConfig.PenaltySites.BASE).build().constraint());
        assertEquals(FlowConfig.Constraint.SOFT, FlowConfig.builder(4).symmetries(java.util.List.of("so2:0,1", "linear:shear:0,0,0,0;0,0,0,0;0,0,0,1;0,0,0,0"))
                .build().constraint());
        assertEquals(FlowConfig.Constraint.HARD, FlowConfig.builder(4).symmetries(java.util.List.of("so2:0,1", "so2:2,3"))
                .build().constraint());
        assertThrows(IllegalArgumentException.class, () -> FlowConfig.builder(2).symmetry("so2").trainingSamples(0).build());
        assertThrows(IllegalArgumentException.class, () -> FlowConfig.builder(2).symmetry("so2")
                .trainingSamples(FlowConfig.MAX_TRAINING_SAMPLES + 1).build());
    }
}
