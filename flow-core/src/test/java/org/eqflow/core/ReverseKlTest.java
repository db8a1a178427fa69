package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.eqflow.core.eval.Importance;
import org.eqflow.core.eval.ReverseKlEvaluation;
import org.eqflow.core.model.Objective;
import org.eqflow.core.target.ParticleDoubleWell;
import org.eqflow.core.target.RadialWell;
import org.eqflow.core.target.UnnormalisedTarget;
import org.eqflow.core.train.BaseDraws;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training from an energy by the augmented reverse KL ({@link org.eqflow.core.objective.ReverseKl}): weight
 * gradients of the whole Lagrangian against central differences in float64, every second to fifth element (passing: {@code |a − n| ≤
 * 1e-4·max(|a|, |n|) + 1e-8}), the loss equal to {@code mean(−log w)} of the evaluation's weights, and the
 * mistakes a caller can make refused.
 */
class ReverseKlTest {
    private static final double H = 1e-6;

    private static EquivariantHamiltonianFlow model(int d, String symmetry, FlowConfig.Constraint constraint) {
        return model(d, symmetry, constraint, 1);
    }

    /** @param momenta momenta per draw K (the configuration's training samples) */
    private static EquivariantHamiltonianFlow model(int d, String symmetry, FlowConfig.Constraint constraint, int momenta) {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(d).hidden(6).symmetry(symmetry)
                .constraint(constraint).separateHamiltonians(true).learnableStepSize(true).stepSize(0.3).trainingSamples(momenta)
                .float64().seed(5).build());
        long seed = 70;
        for (String name : m.parameterNames()) {  // off the relu kinks of all-zero biases
            INDArray p = m.graph().getVariable(name).getArr();
            if (name.matches(".*b\\d")) {
                p.addi(TestSupport.gaussian(seed++, 1, (int) p.length(), 0.1).reshape(p.shape()));
            }
        }
        return m;
    }

    private static INDArray draws(EquivariantHamiltonianFlow m, int n, long t) {
        return new BaseDraws(m.parts().base(), m.dimension(), 3, DataType.DOUBLE).batch(t, n);
    }

    /** Three momenta per draw: the gradient also runs through the encoder's draws and their inverse flows. */
    @Test
    void everyElementSoftRingThreeMomenta() {
        EquivariantHamiltonianFlow m = model(2, "so2", FlowConfig.Constraint.SOFT, 3);
        m.trainByReverseKl(new RadialWell(2, 2, 0.3));
        assertTrue(checkEveryElement(m, draws(m, 12, 0), 2) > 200);
    }

    @Test
    void everyElementHardRing() {
        EquivariantHamiltonianFlow m = model(2, "so2", FlowConfig.Constraint.HARD);
        m.trainByReverseKl(new RadialWell(2, 2, 0.3));
        assertTrue(checkEveryElement(m, draws(m, 10, 1), 3) > 80);
    }

    /** The particle system's energy (quartic in the distances) and its rotation generator, every third element. */
    @Test
    void particleDoubleWellSoft() {
        ParticleDoubleWell dw = new ParticleDoubleWell(3);
        EquivariantHamiltonianFlow m = model(dw.dimension(), dw.symmetry(), FlowConfig.Constraint.SOFT);
        m.trainByReverseKl(dw);
        assertTrue(checkEveryElement(m, draws(m, 8, 2), 5) > 100);
    }

    /** The loss's data term is {@code mean(−log w)} of the same draws, as the evaluation computes them. */
    /** With K momenta the loss's data term is {@code mean E(x) + log-mean} over them, at most the joint's (Jensen, per draw). */
    @Test
    void moreMomentaLowerTheBound() {
        RadialWell ring = new RadialWell(2, 2, 0.3);
        EquivariantHamiltonianFlow one = model(2, "so2", FlowConfig.Constraint.HARD, 1);
        EquivariantHamiltonianFlow eight = model(2, "so2", FlowConfig.Constraint.HARD, 8);
        one.trainByReverseKl(ring);
        eight.trainByReverseKl(ring);
        INDArray batch = draws(one, 400, 4);
        double joint = one.objective(batch, 0).dataTerm();
        double inner = eight.objective(batch, 0).dataTerm();
        assertTrue(inner < joint - 0.01 && inner > -ring.logNormaliser().getAsDouble() - 0.2, "joint " + joint + ", K = 8 " + inner);
    }

    @Test
    void lossIsTheEvaluationsBound() {
        EquivariantHamiltonianFlow m = model(2, "so2", FlowConfig.Constraint.HARD);
        RadialWell ring = new RadialWell(2, 2, 0.3);
        m.trainByReverseKl(ring);
        ReverseKlEvaluation.Draws w = ReverseKlEvaluation.draws(m, ring, 64, 11);
        INDArray same = m.parts().base().sample(64, 2, Noise.stream(11, 0, Noise.Purpose.EVALUATION), DataType.DOUBLE);
        Objective o = m.objective(same, 0);
        double mean = 0;
        for (double v : w.logWeights()) {
            mean -= v / 64;
        }
        assertEquals(mean, o.dataTerm(), 1e-10);
        Importance imp = ReverseKlEvaluation.importance(m, ring, 400, 2);
        assertTrue(imp.ess() > 0 && imp.ess() <= 1 && Double.isFinite(imp.logZ()) && imp.boundStderr() > 0, imp.toString());
    }

    /** A saved model trained from an energy continues exactly: 3 + 3 updates through a file equal 6 in one go. */
    @Test
    void resumedTrainingContinuesExactly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        RadialWell ring = new RadialWell(2, 2, 0.3);
        EquivariantHamiltonianFlow straight = model(2, "so2", FlowConfig.Constraint.HARD, 2);
        EquivariantHamiltonianFlow first = model(2, "so2", FlowConfig.Constraint.HARD, 2);
        straight.trainByReverseKl(ring);
        first.trainByReverseKl(ring);
        BaseDraws draws = new BaseDraws(straight.parts().base(), 2, 3, DataType.DOUBLE);
        for (int t = 0; t < 6; t++) {
            straight.trainStep(draws.batch(t, 16));
        }
        for (int t = 0; t < 3; t++) {
            first.trainStep(draws.batch(t, 16));
        }
        java.nio.file.Path file = dir.resolve("m.zip");
        org.eqflow.core.io.ModelFile.save(first, file, true);
        EquivariantHamiltonianFlow resumed = (EquivariantHamiltonianFlow) org.eqflow.core.io.ModelFile.loadModel(file);
        resumed.trainByReverseKl(ring);
        for (int t = 3; t < 6; t++) {
            resumed.trainStep(draws.batch(t, 16));
        }
        for (String name : straight.parameterNames()) {
            assertEquals(0, straight.parameters().get(name).sub(resumed.parameters().get(name)).amaxNumber().doubleValue(), 1e-12, name);
        }
    }

    @Test
    void refusals() {
        EquivariantHamiltonianFlow m = model(2, "so2", FlowConfig.Constraint.HARD);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.trainByReverseKl(new RadialWell(3, 2, 0.3)));
        assertTrue(e.getMessage().contains("dimension 3"), e.getMessage());
        EquivariantHamiltonianFlow scaled = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).symmetry("so2").scale(2).float64().build());
        e = assertThrows(IllegalArgumentException.class, () -> scaled.trainByReverseKl(new RadialWell(2, 2, 0.3)));
        assertTrue(e.getMessage().contains("standardisation"), e.getMessage());
        m.trainByReverseKl(new RadialWell(2, 2, 0.3));
        assertEquals(4, m.batchDimension());
        e = assertThrows(IllegalArgumentException.class, () -> m.objective(TestSupport.gaussian(1, 5, 2, 1), 0));
        assertTrue(e.getMessage().contains("base draws"), e.getMessage());
        m.trainByReverseKl(null);
        assertEquals(2, m.batchDimension());
    }

    private static int checkEveryElement(EquivariantHamiltonianFlow m, INDArray batch, int stride) {
        Map<String, INDArray> grads = m.gradients(batch, 0);
        int checked = 0;
        for (String name : m.parameterNames()) {
            INDArray flat = m.graph().getVariable(name).getArr().reshape(-1);
            INDArray g = grads.get(name).reshape(-1);
            for (long i = 0; i < flat.length(); i += stride) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + H);
                double plus = m.loss(batch, 0);
                flat.putScalar(i, orig - H);
                double minus = m.loss(batch, 0);
                flat.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * H);
                assertTrue(TestSupport.close(g.getDouble(i), numeric, 1e-4, 1e-8),
                        name + "[" + i + "]: analytic " + g.getDouble(i) + " numeric " + numeric);
                checked++;
            }
        }
        return checked;
    }

    static UnnormalisedTarget ring() {
        return new RadialWell(2, 2, 0.2);
    }
}
