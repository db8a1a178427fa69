package org.eqflow.examples.cli;

import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.Choices;
import org.eqflow.core.FlowConfig;
import picocli.CommandLine.Option;

/** The model flags of {@code eqflow train}; defaults are FlowConfig's, except where a flag says otherwise. */
final class ModelOptions {
    @Option(names = "--symmetry", paramLabel = "SPEC",
            description = "none, so<k> (all coordinates), so<k>:i1,...,ik (listed 0-based coordinates), "
                    + "linear:NAME:a11,a12;a21,a22 or class:CLASS[:ARGS] (docs/generators.md); repeatable. "
                    + "With --manifold s2: axis:z (rotations about the z axis) or none")
    List<String> symmetries = new ArrayList<>();

    @Option(names = "--constraint", paramLabel = "soft|hard|none",
            description = "hard: radial energies, exactly invariant (default for so(k) symmetries); soft: the paper's penalty (default for other symmetries, or when --kappa, --initial-multiplier, --multiplier-rate or --penalty-sites is given); none: baseline")
    String constraint;

    @Option(names = "--kappa", paramLabel = "K", description = "constraint precision of the soft constraint (default "
            + FlowConfig.Builder.DEFAULT_KAPPA + ")")
    Double kappa;

    @Option(names = "--initial-multiplier", paramLabel = "L0", description = "the soft constraint's λ at the start (default "
            + FlowConfig.Builder.DEFAULT_INITIAL_MULTIPLIER + ": the penalty warms up)")
    Double initialMultiplier;

    @Option(names = "--multiplier-rate", paramLabel = "ETA", description = "the soft constraint's multiplier rule: log λ moves by at "
            + "most ETA per step (default " + FlowConfig.Builder.DEFAULT_MULTIPLIER_RATE + "; docs/maths.md)")
    Double multiplierRate;

    @Option(names = "--base", paramLabel = "normal|soft-uniform:w,beta", description = "base density (default "
            + FlowConfig.Builder.DEFAULT_BASE + ")")
    String base;

    @Option(names = "--leapfrog-steps", paramLabel = "L", description = "Leap-Frog steps (default "
            + FlowConfig.Builder.DEFAULT_LEAPFROG_STEPS + ")")
    Integer leapfrogSteps;

    @Option(names = "--step-size", paramLabel = "E", description = "initial Leap-Frog step size (default "
            + FlowConfig.Builder.DEFAULT_STEP_SIZE + ")")
    Double stepSize;

    @Option(names = "--fixed-step-size", description = "do not learn the step sizes")
    boolean fixedStepSize;

    @Option(names = "--separate-hamiltonians", negatable = true,
            description = "give every Leap-Frog step its own K and U (default), or share one pair (--no-separate-hamiltonians)")
    Boolean separateHamiltonians;

    @Option(names = "--kinetic", paramLabel = "mlp|quadratic",
            description = "kinetic energy: a learned softplus MLP (default), or the fixed |p|²/2")
    String kinetic;

    @Option(names = "--potential", paramLabel = "mlp|class:NAME",
            description = "potential energy U(q): the softplus MLP (default), or your own energy class (docs/generators.md)")
    String potential;

    @Option(names = "--penalty-sites", paramLabel = "data-and-base|base|base-and-flow",
            description = "where the soft constraint evaluates {g, H}: where the batch goes (its inverse flow) and at base samples (default), base samples only (the paper), or base samples and their flow")
    String penaltySites;

    @Option(names = "--hidden", paramLabel = "H", description = "hidden width of every MLP (default "
            + FlowConfig.Builder.DEFAULT_HIDDEN + ")")
    Integer hidden;

    @Option(names = "--training-samples", paramLabel = "K", description = "importance samples per training point: 1 trains "
            + "the ELBO (the paper), K > 1 the tighter importance-weighted bound; each step then costs K times as much per point "
            + "(default " + FlowConfig.Builder.DEFAULT_TRAINING_SAMPLES + ")")
    Integer trainingSamples;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default "
            + FlowConfig.Builder.DEFAULT_LEARNING_RATE + ")")
    Double lr;

    @Option(names = "--clip-norm", paramLabel = "X", description = "clip the gradient norm to X (0: off; default "
            + FlowConfig.Builder.DEFAULT_CLIP_NORM + ")")
    Double clipNorm;

    @Option(names = "--float64", description = "compute in double precision")
    boolean float64;

    /** The configuration for data of dimension {@code d}, scaled by {@code centre} and {@code scale}. */
    FlowConfig config(int d, long seed, List<Double> centre, double scale) {
        FlowConfig.Builder b = FlowConfig.builder(d).learnableStepSize(!fixedStepSize).symmetries(symmetries)
                .precision(float64 ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32).seed(seed)
                .centre(centre).scale(scale);
        if (separateHamiltonians != null) {
            b.separateHamiltonians(separateHamiltonians);
        }
        // Only what the user gave is set: every other value is the library's default (FlowConfig.Builder).
        if (hidden != null) {
            b.hidden(hidden);
        }
        if (trainingSamples != null) {
            b.trainingSamples(trainingSamples);
        }
        if (leapfrogSteps != null) {
            b.leapfrogSteps(leapfrogSteps);
        }
        if (stepSize != null) {
            b.stepSize(stepSize);
        }
        if (base != null) {
            b.base(base);
        }
        if (lr != null) {
            b.learningRate(lr);
        }
        if (clipNorm != null) {
            b.clipNorm(clipNorm);
        }
        if (kinetic != null) {
            b.kinetic(Choices.parse("--kinetic", kinetic, FlowConfig.Kinetic.class));
        }
        if (potential != null) {
            b.potential(potential);
        }
        if (penaltySites != null) {
            b.penaltySites(Choices.parse("--penalty-sites", penaltySites, FlowConfig.PenaltySites.class));
        }
        if (constraint != null) {
            b.constraint(Choices.parse("--constraint", constraint, FlowConfig.Constraint.class));
        }
        if (kappa != null) {
            b.kappa(kappa);
        }
        if (initialMultiplier != null) {
            b.initialMultiplier(initialMultiplier);
        }
        if (multiplierRate != null) {
            b.multiplierRate(multiplierRate);
        }
        return b.build();
    }
}
