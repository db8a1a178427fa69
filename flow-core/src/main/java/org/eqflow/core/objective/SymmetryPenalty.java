package org.eqflow.core.objective;

import java.util.List;
import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.flow.HamiltonianFlow;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.symmetry.PoissonBracket;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The soft symmetry constraint of the paper (arXiv:1909.13739, eq. 6): for each generator {@code g_k},
 *
 * <pre>
 *   C_k = E_{s~π}[ {g_k, H}(s)² ]
 * </pre>
 *
 * estimated on a batch of base samples, summed over the model's Hamiltonians; with
 * the sites along the flow ({@code FlowConfig.PenaltySites.BASE_AND_FLOW}) also averaged over the states along the forward flow of
 * those samples. The Lagrangian adds {@code Σ_k λ_k (C_k − κ)}.
 */
public final class SymmetryPenalty {
    private SymmetryPenalty() {
    }

    /** {@code C_k} for every generator, shape {@code [G]}. */
    public static SDVariable constraints(SameDiff sd, Symmetry symmetry, List<Hamiltonian> hamiltonians, HamiltonianFlow flow,
                                         boolean alongFlow, PhaseState baseStates) {
        try (NameScope ignored = sd.withNameScope("symmetryPenalty")) {
            List<PhaseState> sites = alongFlow ? flow.integrate(sd, baseStates, false) : List.of(baseStates);
            SDVariable total = null;
            for (PhaseState s : sites) {
                for (Hamiltonian h : hamiltonians) {
                    SDVariable b = PoissonBracket.withHamiltonian(sd, symmetry, h, s);
                    SDVariable c = b.mul(b).mean(0);
                    total = total == null ? c : total.add(c);
                }
            }
            return sites.size() == 1 ? total : total.div(sites.size());
        }
    }

    /** {@code Σ_k λ_k (C_k − κ)}, a scalar. */
    public static SDVariable lagrangeTerm(SDVariable constraints, SDVariable multipliers, double kappa) {
        return constraints.sub(kappa).mul(multipliers).sum();
    }
}
