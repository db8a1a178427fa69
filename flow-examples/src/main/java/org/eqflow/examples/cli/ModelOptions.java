package org.eqflow.examples.cli;

import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.FlowConfig;
import picocli.CommandLine.Option;

/** The model flags of {@code eqflow train}; defaults are FlowConfig's, except where a flag says otherwise. */
final class ModelOptions {
    @Option(names = "--symmetry", paramLabel = "SPEC",
            description = "none, so<k> (all coordinates), so<k>:i1,...,ik (listed 0-based coordinates), "
                    + "linear:NAME:a11,a12;a21,a22 or class:CLASS[:ARGS] (docs/generators.md); repeatable")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--constraint", paramLabel = "soft|hard|none",
            description = "soft: the paper's penalty (default with a symmetry); hard: radial energies; none: baseline")
    String constraint;

    @Option(names = "--kappa", paramLabel = "K", description = "constraint precision of the soft constraint (default "
            + FlowConfig.Builder.DEFAULT_KAPPA + ")")
    Double kappa;

    @Option(names = "--base", paramLabel = "normal|soft-uniform:w,beta", defaultValue = "normal", description = "base density (default ${DEFAULT-VALUE})")
    String base;

    @Option(names = "--leapfrog-steps", paramLabel = "L", defaultValue = "2", description = "Leap-Frog steps (default ${DEFAULT-VALUE})")
    int leapfrogSteps;

    @Option(names = "--step-size", paramLabel = "E", defaultValue = "0.5", description = "initial Leap-Frog step size (default ${DEFAULT-VALUE})")
    double stepSize;

    @Option(names = "--fixed-step-size", description = "do not learn the step sizes")
    boolean fixedStepSize;

    @Option(names = "--separate-hamiltonians", description = "give every Leap-Frog step its own K and U (default: one shared pair)")
    boolean separateHamiltonians;

    @Option(names = "--kinetic", paramLabel = "mlp|quadratic", defaultValue = "mlp",
            description = "kinetic energy: a learned softplus MLP, or the fixed |p|²/2 (default ${DEFAULT-VALUE})")
    String kinetic;

    @Option(names = "--penalty-sites", paramLabel = "base|base-and-flow", defaultValue = "base",
            description = "where the soft constraint evaluates {g, H}: base samples (the paper), or also along their flow "
                    + "(default ${DEFAULT-VALUE})")
    String penaltySites;

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "128", description = "hidden width of every MLP (default ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "3e-4", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--clip-norm", paramLabel = "X", defaultValue = "0", description = "clip the gradient norm to X (0: off)")
    double clipNorm;

    @Option(names = "--float64", description = "compute in double precision")
    boolean float64;

    /** The configuration for data of dimension {@code d}, scaled by {@code centre} and {@code scale}. */
    FlowConfig config(int d, long seed, List<Double> centre, double scale) {
        FlowConfig.Builder b = FlowConfig.builder(d).hidden(hidden).leapfrogSteps(leapfrogSteps).stepSize(stepSize)
                .learnableStepSize(!fixedStepSize).base(base).symmetries(symmetries).learningRate(lr).clipNorm(clipNorm)
                .precision(float64 ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32).seed(seed)
                .centre(centre).scale(scale).separateHamiltonians(separateHamiltonians)
                .kinetic(choice("--kinetic", kinetic, FlowConfig.Kinetic.class))
                .penaltySites(choice("--penalty-sites", penaltySites, FlowConfig.PenaltySites.class));
        FlowConfig.Constraint c = null;
        if (constraint != null) {
            try {
                c = FlowConfig.Constraint.valueOf(constraint.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--constraint must be soft, hard or none, got '" + constraint + "'");
            }
            b.constraint(c);
        }
        if (kappa != null) {
            FlowConfig probe = b.build();
            if (probe.constraint() != FlowConfig.Constraint.SOFT) {
                throw new IllegalArgumentException("--kappa applies to the soft constraint only, but the constraint is "
                        + probe.constraint().name().toLowerCase(java.util.Locale.ROOT));
            }
            b.kappa(kappa);
        }
        return b.build();
    }

    /** Reads an enum constant from a flag's value: any case, {@code -} for {@code _}; the error lists the choices. */
    static <E extends Enum<E>> E choice(String flag, String value, Class<E> type) {
        try {
            return Enum.valueOf(type, value.trim().replace('-', '_').toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList() + ", got '" + value + "'");
        }
    }
}
