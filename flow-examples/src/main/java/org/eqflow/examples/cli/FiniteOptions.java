package org.eqflow.examples.cli;

import java.util.List;
import java.util.Locale;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.finite.FiniteFlowConfig;
import picocli.CommandLine.Option;

/**
 * The flags of {@code eqflow train} that choose the flow family and configure a finite flow; the shared ones
 * ({@code --hidden}, {@code --lr}, {@code --clip-norm}, {@code --float64}) come from {@link ModelOptions}.
 * Defaults are {@link FiniteFlowConfig.Builder}'s.
 */
final class FiniteOptions {
    /** The flags that only configure a Hamiltonian flow. */
    static final List<String> HAMILTONIAN_ONLY = List.of("--symmetry", "--constraint", "--kappa", "--initial-multiplier",
            "--base", "--leapfrog-steps", "--step-size", "--fixed-step-size", "--separate-hamiltonians", "--kinetic",
            "--potential", "--penalty-sites", "--no-augment");
    /** The flags that only configure a finite flow. */
    static final List<String> FINITE_ONLY = List.of("--group", "--blocks", "--lipschitz", "--symmetrize");
    /** The flags that only configure a residual flow. */
    static final List<String> RESIDUAL_ONLY = List.of("--lipschitz");

    /** The flags a family does not take, each with what it configures instead. */
    static java.util.Map<String, String> foreignFlags(Family family) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        switch (family) {
            case HAMILTONIAN -> FINITE_ONLY.forEach(f -> out.put(f, "residual flow: add --flow residual"));
            case RESIDUAL -> HAMILTONIAN_ONLY.forEach(f -> out.put(f, "Hamiltonian flow, not the residual flow (its symmetry is --group)"));
            case COUPLING -> {
                HAMILTONIAN_ONLY.forEach(f -> out.put(f, "Hamiltonian flow, not the coupling flow (it is O(2)-invariant by construction)"));
                RESIDUAL_ONLY.forEach(f -> out.put(f, "residual flow, not the coupling flow"));
            }
        }
        return out;
    }

    /** The flow families of the command line. */
    enum Family { HAMILTONIAN, RESIDUAL, COUPLING }

    @Option(names = "--flow", paramLabel = "hamiltonian|residual|coupling",
            description = "the flow family: the equivariant Hamiltonian flow (default; its symmetry is --symmetry, soft "
                    + "or hard), the G-residual flow (exact likelihood; invariant under a finite --group by construction), "
                    + "or the coupling flow for rows of points in the plane (x1,y1,x2,y2,...; exact likelihood; invariant "
                    + "under rotations and reflections of all points alike by construction)")
    String flow = "hamiltonian";

    @Option(names = "--group", paramLabel = "GROUP",
            description = "residual flow: the finite group its density is invariant under: c<n> or d<n> (rotations and "
                    + "reflections of every coordinate pair), perm:<k>x<m> (k particles of m coordinates), products joined "
                    + "by * (default none: an unconstrained residual flow); coupling flow: o2, its only group")
    String group;

    @Option(names = "--blocks", paramLabel = "N", description = "finite flows: number of residual blocks (default "
            + FiniteFlowConfig.Builder.DEFAULT_RESIDUAL_BLOCKS + ") or coupling layers (default "
            + FiniteFlowConfig.Builder.DEFAULT_COUPLING_BLOCKS + ")")
    Integer blocks;

    @Option(names = "--symmetrize", paramLabel = "GROUP",
            description = "finite flows: average the trained density over a finite group, p(x) = mean over h of q(h x), "
                    + "making it exactly invariant under it too (e.g. perm:4x2 for four points of a coupling flow); costs "
                    + "its order in every log-density (default none)")
    String symmetrize;

    @Option(names = "--lipschitz", paramLabel = "C", description = "residual flow: spectral-norm bound of every weight "
            + "matrix, in (0, 1) (default " + FiniteFlowConfig.Builder.DEFAULT_LIPSCHITZ + ")")
    Double lipschitz;

    Family family() {
        try {
            return Family.valueOf(flow.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--flow: '" + flow + "' is not a flow family; use hamiltonian, residual or coupling");
        }
    }

    /** Whether the finite flow has a group other than the identity (a coupling flow always has O(2)). */
    boolean symmetric() {
        return family() == Family.COUPLING || group != null && !group.trim().equalsIgnoreCase("none");
    }

    /** The finite flow's configuration for data of dimension {@code d}; shared flags from {@code shared}. */
    FiniteFlowConfig config(int d, long seed, List<Double> centre, double scale, ModelOptions shared) {
        FiniteFlowConfig.Kind kind = family() == Family.COUPLING ? FiniteFlowConfig.Kind.COUPLING : FiniteFlowConfig.Kind.RESIDUAL;
        FiniteFlowConfig.Builder b = FiniteFlowConfig.builder(kind, d).seed(seed).centre(centre)
                .scale(scale).precision(shared.float64 ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32);
        if (group != null) {
            b.group(group);
        }
        if (blocks != null) {
            b.blocks(blocks);
        }
        if (lipschitz != null) {
            b.lipschitz(lipschitz);
        }
        if (symmetrize != null) {
            b.symmetrize(symmetrize);
        }
        if (shared.hidden != null) {
            b.hidden(shared.hidden);
        }
        if (shared.lr != null) {
            b.learningRate(shared.lr);
        }
        if (shared.clipNorm != null) {
            b.clipNorm(shared.clipNorm);
        }
        return b.build();
    }
}
