package org.eqflow.core.flow;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A Hamiltonian flow {@code T = T_L ∘ … ∘ T_1}, each {@code T_i} a {@link LeapFrog} step of block
 * {@code i} with step {@code +ε_i}.
 *
 * <p><b>Direction convention</b> (named once, here): {@link #forward} maps base samples to data,
 * {@code s_L = T(s_0)}; {@link #inverse} maps data to the base, applying the blocks in reverse order
 * with {@code −ε_i}: {@code T⁻¹ = T_1^{−ε} ∘ … ∘ T_L^{−ε}}. Both go through {@link #integrate}.
 * The flow preserves volume exactly, so {@code log p(s) = log π(T⁻¹(s))} with no Jacobian term.
 *
 * <p>Each step is emitted under its own name scope ({@code leapfrog0}, {@code leapfrog1}, … or
 * {@code inverseLeapfrog…}), so a graph dump reads like the maths. {@code ∇U} at the point shared by
 * two consecutive steps is computed once when both steps use the same {@code U} object.
 */
public final class HamiltonianFlow {
    private final List<FlowBlock> blocks;

    /** The composition of {@code blocks}, applied in order. */
    public HamiltonianFlow(List<FlowBlock> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a flow needs at least one Leap-Frog step");
        }
        this.blocks = List.copyOf(blocks);
    }

    /** The blocks, in the order the forward flow applies them. */
    public List<FlowBlock> blocks() {
        return blocks;
    }

    /** Leap-Frog preserves volume: {@code log|det J| = 0} exactly, in both directions. */
    public boolean isVolumePreserving() {
        return true;
    }

    /** {@code log|det ∂T(s)/∂s|}, identically zero. */
    public double logAbsDetJacobian() {
        return 0.0;
    }

    /** {@code T(s)}: base to data. */
    public PhaseState forward(SameDiff sd, PhaseState s) {
        List<PhaseState> path = integrate(sd, s, false);
        return path.get(path.size() - 1);
    }

    /** {@code T⁻¹(s)}: data to base. */
    public PhaseState inverse(SameDiff sd, PhaseState s) {
        List<PhaseState> path = integrate(sd, s, true);
        return path.get(path.size() - 1);
    }

    /**
     * Integrates the flow and returns every state, the input first: {@code L + 1} states.
     *
     * @param inverse false for {@code T} (blocks 1..L, {@code +ε}); true for {@code T⁻¹} (blocks L..1, {@code −ε})
     */
    public List<PhaseState> integrate(SameDiff sd, PhaseState s, boolean inverse) {
        List<PhaseState> path = new ArrayList<>(blocks.size() + 1);
        path.add(s);
        PhaseState current = s;
        SDVariable cachedGradU = null;
        Object cachedOwner = null;
        for (int n = 0; n < blocks.size(); n++) {
            int i = inverse ? blocks.size() - 1 - n : n;
            FlowBlock block = blocks.get(i);
            Object owner = block.hamiltonian().potential();
            SDVariable reuse = owner == cachedOwner ? cachedGradU : null;
            try (NameScope ignored = sd.withNameScope((inverse ? "inverseLeapfrog" : "leapfrog") + i)) {
                SDVariable h = inverse ? block.stepSize().neg() : block.stepSize();
                LeapFrog.Step step = LeapFrog.step(sd, block.hamiltonian(), current, h, reuse);
                current = step.state();
                cachedGradU = step.gradPotentialAtQ();
                cachedOwner = owner;
            }
            path.add(current);
        }
        return path;
    }
}
