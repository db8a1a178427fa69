package org.eqflow.core.objective;

import java.util.List;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.encoder.GaussianEncoder;
import org.eqflow.core.flow.HamiltonianFlow;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The augmented reverse KL of training from an energy ({@code p(x) = exp(−E(x))/Z}, no samples), in the phase space
 * where the flow's density is exact:
 *
 * <pre>
 *   (x, p) = T(s₀),  s₀ ~ π                         (the flow pushes base draws forward)
 *   log q(x, p) = log π(s₀)                          (Leap-Frog preserves volume)
 *   log w = −E(x) + log h(p|x) − log q(x, p)         (importance weight of the joint target p̃(x) h(p|x))
 *   L = E_{s₀~π}[ −log w ] = KL(q(x,p) ‖ p(x) h(p|x)) − log Z  ≥  KL(q(x) ‖ p(x)) − log Z
 * </pre>
 *
 * The encoder {@code h(p|x)} of likelihood training is here the auxiliary conditional that closes the bound;
 * the gap to the marginal KL is {@code E_q KL(q(p|x) ‖ h(p|x))}. {@code E} is plain Java (a user's class), so its
 * part enters the graph as a surrogate: with {@code g = ∇E(x)} computed outside and fed back, {@code mean(g · x)}
 * has the weight gradient of {@code mean E(x)} (reparameterised through {@code x = T(s₀)}) while its value is not
 * used. Weight gradients: SameDiff's reverse mode through the forward Leap-Frog path.
 */
public final class ReverseKl {
    private ReverseKl() {
    }

    /**
     * The graph's parts of the objective at base states {@code start}.
     *
     * @param x         {@code x}, the flowed positions {@code [B, d]}
     * @param modelTerm {@code log π(s₀) − log h(p|x)} per row {@code [B]} (add {@code E(x)} for {@code −log w})
     * @param surrogate {@code mean(modelTerm) + mean(g · x)}: the weight gradients of {@code L}
     * @param path      every state of the forward flow, {@code s₀} first
     */
    public record Terms(SDVariable x, SDVariable modelTerm, SDVariable surrogate, List<PhaseState> path) {
    }

    /**
     * @param energyGradient {@code ∇E} at the flowed positions, {@code [B, d]} (a placeholder fed from outside)
     */
    public static Terms terms(SameDiff sd, GaussianEncoder encoder, HamiltonianFlow flow, BaseDensity base, PhaseState start,
                              SDVariable energyGradient) {
        try (NameScope ignored = sd.withNameScope("reverseKl")) {
            List<PhaseState> path = flow.integrate(sd, start, false);
            PhaseState end = path.get(path.size() - 1);
            SDVariable modelTerm = base.logDensity(sd, start).sub(encoder.logDensity(sd, end.q(), end.p()));
            SDVariable surrogate = modelTerm.mean().add(energyGradient.mul(end.q()).sum(1).mean());
            return new Terms(end.q(), modelTerm, surrogate, path);
        }
    }
}
