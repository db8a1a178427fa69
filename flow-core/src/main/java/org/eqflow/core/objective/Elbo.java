package org.eqflow.core.objective;

import java.util.List;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.flow.HamiltonianFlow;
import org.eqflow.core.encoder.GaussianEncoder;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The per-example importance log-weight and the evidence lower bound (docs/maths.md, "Leap-Frog and the flow" and "Densities"):
 *
 * <pre>
 *   log w(q, p) = log π(T⁻¹(q, p)) − log h(p|q),   p = μ(q) + σ(q) ⊙ ε
 *   ELBO(q)     = E_ε[ log w ]  ≤  log p(q)
 * </pre>
 *
 * No Jacobian term: the Leap-Frog flow preserves volume.
 */
public final class Elbo {
    private Elbo() {
    }

    /** {@code log w} for each row of {@code q} with its encoder noise row, shape {@code [B]}. */
    public static SDVariable logWeights(SameDiff sd, GaussianEncoder encoder, HamiltonianFlow flow, BaseDensity base,
                                        SDVariable q, SDVariable noise) {
        return logWeightsAndPath(sd, encoder, flow, base, q, noise).logWeights();
    }

    /** {@code log w} per row and the inverse flow it went through: {@code (q, p)} first, the base state last. */
    public record Weights(SDVariable logWeights, List<PhaseState> path) {
    }

    /** {@link #logWeights}, keeping every state of the inverse flow (the data sites of the penalty). */
    public static Weights logWeightsAndPath(SameDiff sd, GaussianEncoder encoder, HamiltonianFlow flow, BaseDensity base,
                                            SDVariable q, SDVariable noise) {
        try (NameScope ignored = sd.withNameScope("elbo")) {
            GaussianEncoder.Draw draw = encoder.sample(sd, q, noise);
            List<PhaseState> path = flow.integrate(sd, new PhaseState(q, draw.p()), true);
            SDVariable logW = base.logDensity(sd, path.get(path.size() - 1)).sub(draw.logDensity());
            return new Weights(logW, path);
        }
    }

    /** {@code log p(q, p) = log π(T⁻¹(q, p))}, shape {@code [B]}. */
    public static SDVariable logJoint(SameDiff sd, HamiltonianFlow flow, BaseDensity base, PhaseState s) {
        return base.logDensity(sd, flow.inverse(sd, s));
    }
}
