package org.eqflow.core.symmetry;

import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The Poisson bracket {@code {f, g} = Σ_i ∂f/∂q_i ∂g/∂p_i − ∂f/∂p_i ∂g/∂q_i} (docs/maths.md, "Symmetries"; the
 * paper's text misprints the second term).
 */
public final class PoissonBracket {
    private PoissonBracket() {
    }

    /** {@code {g, F}} of one generator with a function given by its gradients, shape {@code [B]}. */
    public static SDVariable of(SameDiff sd, Generator g, PhaseState s, PhaseState gradF) {
        return g.gradQ(sd, s).mul(gradF.p()).sum(1).sub(g.gradP(sd, s).mul(gradF.q()).sum(1));
    }

    /**
     * {@code {g_k, H}} for a separable {@code H = K(p) + U(q)}: {@code ∇q g · ∇K(p) − ∇p g · ∇U(q)},
     * shape {@code [B, G]}.
     */
    public static SDVariable withHamiltonian(SameDiff sd, Symmetry symmetry, Hamiltonian h, PhaseState s) {
        PhaseState gradH = new PhaseState(h.potential().gradient(sd, s.q()), h.kinetic().gradient(sd, s.p()));
        return symmetry.brackets(sd, s, gradH);
    }
}
