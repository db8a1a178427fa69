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
 *
 * <p>At the states the training batch visits ({@code FlowConfig.PenaltySites.DATA_AND_BASE}),
 * {@link #alongInverseFlow} gives {@code C_k^data}: for each Leap-Frog block {@code i}, its Hamiltonian's
 * squared bracket at the two states the block connects on the inverse flow of the batch; the model's constraint is then {@code ½ C_k^base + ½ C_k^data}.
 */
public final class SymmetryPenalty {
    private SymmetryPenalty() {
    }

    /** {@code C_k} for every generator, shape {@code [G]}. */
    public static SDVariable constraints(SameDiff sd, Symmetry symmetry, List<Hamiltonian> hamiltonians, HamiltonianFlow flow,
                                         boolean alongFlow, PhaseState baseStates) {
        return constraintsAt(sd, symmetry, hamiltonians, alongFlow ? flow.integrate(sd, baseStates, false) : List.of(baseStates));
    }

    /**
     * {@code C_k} for every generator at given states, shape {@code [G]}: every Hamiltonian's squared bracket,
     * averaged over the rows and the states (reverse-KL training passes the forward path it already built).
     */
    public static SDVariable constraintsAt(SameDiff sd, Symmetry symmetry, List<Hamiltonian> hamiltonians, List<PhaseState> sites) {
        try (NameScope ignored = sd.withNameScope("symmetryPenalty")) {
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

    /**
     * {@code C_k^data} on the inverse flow {@code path} of a batch ({@code L + 1} states, the data first, as
     * {@code HamiltonianFlow#integrate(sd, s, true)} returns them):
     *
     * <pre>
     *   C_k^data = (n_H / 2L) Σ_i mean_b [ {g_k, H_i}²(s_{L−1−i}) + {g_k, H_i}²(s_{L−i}) ]
     * </pre>
     *
     * over the blocks {@code i = 0..L−1} ({@code n_H} distinct Hamiltonians: the scale of one evaluation at
     * every Hamiltonian, as at a base sample). The gradient flows through the states too (into the encoder
     * and the flow), so the term is an ordinary differentiable expectation. A state shared by two blocks
     * with one Hamiltonian is evaluated once, with weight 2.
     */
    public static SDVariable alongInverseFlow(SameDiff sd, Symmetry symmetry, HamiltonianFlow flow, List<PhaseState> path) {
        try (NameScope ignored = sd.withNameScope("dataPenalty")) {
            SDVariable total = null;
            for (Site site : dataSites(flow)) {
                SDVariable b = PoissonBracket.withHamiltonian(sd, symmetry, site.hamiltonian(), path.get(site.state()));
                SDVariable c = b.mul(b).mean(0).mul(site.weight());
                total = total == null ? c : total.add(c);
            }
            return total;
        }
    }

    /** One term of {@code C^data}: a Hamiltonian at a state of the inverse flow, with its weight. */
    public record Site(int state, Hamiltonian hamiltonian, double weight) {
    }

    /** The terms of {@link #alongInverseFlow}, merged per (state, Hamiltonian), in block order. */
    public static List<Site> dataSites(HamiltonianFlow flow) {
        int steps = flow.blocks().size();
        long distinct = flow.blocks().stream().map(b -> b.hamiltonian()).distinct().count();
        double weight = distinct / (2.0 * steps);
        java.util.Map<java.util.List<Object>, Site> merged = new java.util.LinkedHashMap<>();
        for (int i = 0; i < steps; i++) {
            Hamiltonian h = flow.blocks().get(i).hamiltonian();
            for (int state : new int[] {steps - 1 - i, steps - i}) {
                merged.merge(java.util.List.of(state, h), new Site(state, h, weight),
                        (a, b) -> new Site(a.state(), a.hamiltonian(), a.weight() + b.weight()));
            }
        }
        return List.copyOf(merged.values());
    }

    /** {@code Σ_k λ_k (C_k − κ)}, a scalar. */
    public static SDVariable lagrangeTerm(SDVariable constraints, SDVariable multipliers, double kappa) {
        return constraints.sub(kappa).mul(multipliers).sum();
    }
}
