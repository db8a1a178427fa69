package org.eqflow.core.flow;

import org.eqflow.core.energy.Hamiltonian;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * One Leap-Frog step of a separable Hamiltonian {@code H = K(p) + U(q)} with signed step {@code h}
 * (Rezende et al. 2019, arXiv:1909.13739, §2; docs/maths.md, "Leap-Frog and the flow" and "Densities"):
 *
 * <pre>
 *   p ← p − (h/2) ∇U(q)
 *   q ← q + h ∇K(p)
 *   p ← p − (h/2) ∇U(q)
 * </pre>
 *
 * Each sub-step is a shear, so the step is exactly volume preserving ({@code log|det J| = 0}) and
 * symplectic for any {@code h}; the step with {@code −h} is its exact inverse. This is a pure transform:
 * it owns no weights and emits its ops into the caller's graph.
 */
public final class LeapFrog {
    private LeapFrog() {
    }

    /** The result of a step, with {@code ∇U} at the final {@code q}, reusable by a following step with the same {@code U}. */
    public record Step(PhaseState state, SDVariable gradPotentialAtQ) {
    }

    /**
     * Emits one step.
     *
     * @param h                signed step size, scalar
     * @param gradPotentialAtQ {@code ∇U(s.q)} if already computed with this Hamiltonian's {@code U}, else null
     */
    public static Step step(SameDiff sd, Hamiltonian ham, PhaseState s, SDVariable h, SDVariable gradPotentialAtQ) {
        SDVariable halfH = h.mul(0.5);
        SDVariable gU0 = gradPotentialAtQ != null ? gradPotentialAtQ : ham.potential().gradient(sd, s.q());
        SDVariable pHalf = s.p().sub(gU0.mul(halfH));
        SDVariable q1 = s.q().add(ham.kinetic().gradient(sd, pHalf).mul(h));
        SDVariable gU1 = ham.potential().gradient(sd, q1);
        SDVariable p1 = pHalf.sub(gU1.mul(halfH));
        return new Step(new PhaseState(q1, p1), gU1);
    }
}
