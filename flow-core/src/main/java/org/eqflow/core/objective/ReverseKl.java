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
 * the gap to the marginal KL is {@code E_q KL(q(p|x) ‖ h(p|x))}. With {@code K > 1} momenta per draw the flow's own
 * {@code p₁} is joined by {@code K − 1} encoder draws {@code p_k = μ(x) + σ(x) ε_k} and
 * <pre>
 *   −log w_K = E(x) + log (1/K) Σ_k π(T⁻¹(x, p_k)) / h(p_k|x)      (k = 1: π(s₀) / h(p₁|x))
 * </pre>
 * is the exact log-ratio of a proposal that puts the flow's momentum in a random one of K slots: {@code E[−log w_K]}
 * is still {@code ≥ −log Z}, and falls towards {@code KL(q(x) ‖ p(x)) − log Z} as K grows, so the flow is no longer
 * asked to make its momenta Gaussian given the position (which an equivariant flow, conserving its momentum map,
 * cannot). Everything is reparameterised: {@code x} through the forward flow, {@code p_k} through the encoder, and
 * the inverse flows of {@code (x, p_k)} in the graph. {@code E} is plain Java (a user's class), so its
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
     * @param modelTerm {@code log π(s₀) − log h(p|x)} per row {@code [B]} (add {@code E(x)} for {@code −log w}); with
     *                  K momenta the log-mean over them
     * @param surrogate {@code mean(modelTerm) + mean(g · x)}: the weight gradients of {@code L}
     * @param path      every state of the forward flow, {@code s₀} first
     */
    public record Terms(SDVariable x, SDVariable modelTerm, SDVariable surrogate, List<PhaseState> path) {
    }

    /**
     * The terms with one momentum per draw (the joint weights).
     *
     * @param energyGradient {@code ∇E} at the flowed positions, {@code [B, d]} (a placeholder fed from outside)
     */
    public static Terms terms(SameDiff sd, GaussianEncoder encoder, HamiltonianFlow flow, BaseDensity base, PhaseState start,
                              SDVariable energyGradient) {
        return terms(sd, encoder, flow, base, start, energyGradient, null, 1, 0);
    }

    /**
     * The terms with {@code k} momenta per draw; {@code modelTerm} is then {@code log (1/K) Σ_k π(T⁻¹(x, p_k))/h(p_k|x)}.
     *
     * @param innerNoise the encoder noise {@code ε} of the {@code K − 1} extra momenta, {@code [B(K−1), d]}, rows
     *                   {@code b(K−1) … b(K−1) + K − 2} for draw {@code b} (null when {@code k = 1})
     * @param k          momenta per draw, {@code K ≥ 1}
     * @param d          the dimension (for the repeated positions' shape)
     */
    public static Terms terms(SameDiff sd, GaussianEncoder encoder, HamiltonianFlow flow, BaseDensity base, PhaseState start,
                              SDVariable energyGradient, SDVariable innerNoise, int k, int d) {
        try (NameScope ignored = sd.withNameScope("reverseKl")) {
            List<PhaseState> path = flow.integrate(sd, start, false);
            PhaseState end = path.get(path.size() - 1);
            SDVariable own = base.logDensity(sd, start).sub(encoder.logDensity(sd, end.q(), end.p()));
            SDVariable modelTerm = own;
            if (k > 1) {
                SDVariable xs = sd.tile(end.q(), 1, k - 1).reshape(-1, d);
                GaussianEncoder.Draw draw = encoder.sample(sd, xs, innerNoise);
                List<PhaseState> back = flow.integrate(sd, new PhaseState(xs, draw.p()), true);
                SDVariable inner = base.logDensity(sd, back.get(back.size() - 1)).sub(draw.logDensity()).reshape(-1, k - 1);
                modelTerm = Iwae.logMeanExp(sd, sd.concat(1, own.reshape(-1, 1), inner));
            }
            SDVariable surrogate = modelTerm.mean().add(energyGradient.mul(end.q()).sum(1).mean());
            return new Terms(end.q(), modelTerm, surrogate, path);
        }
    }
}
