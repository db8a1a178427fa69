package org.eqflow.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.energy.EnergySpec;
import org.eqflow.core.symmetry.Symmetries;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.symmetry.SymmetrySpec;

/**
 * The immutable, validated configuration of an {@link EquivariantHamiltonianFlow}. Build it with
 * {@link #builder(int)}; every default lives in {@link Builder}. Invalid values are rejected when the
 * record is created, with a message that says how to fix them.
 *
 * @param dimension            data dimension {@code d}
 * @param hidden               hidden width of every MLP (energies {@code [d,h,h,1]}, encoder {@code [d,h,h,d]})
 * @param leapfrogSteps        number of Leap-Frog steps {@code L}
 * @param stepSize             initial (or fixed) step size {@code ε > 0}
 * @param learnableStepSize    learn {@code log ε} of each step
 * @param separateHamiltonians give each step its own {@code K} and {@code U} (the default), or share one
 * @param kinetic              the kinetic energy {@code K(p)}: a softplus MLP or the fixed {@code |p|²/2}
 * @param potential            the potential energy {@code U(q)}: {@code mlp} or {@code class:NAME} ({@link EnergySpec})
 * @param base                 base density spec: {@code normal} or {@code soft-uniform:w,beta}
 * @param symmetries           symmetry specs (see {@link Symmetries}); empty for none
 * @param constraint           how the symmetry is imposed
 * @param kappa                constraint precision {@code κ ≥ 0} (soft constraint only)
 * @param penaltySites         where the brackets of the soft constraint are evaluated
 * @param multiplierRate       {@code η}: {@code log λ} moves by at most {@code η} per step (see LagrangeMultipliers)
 * @param multiplierEma        EMA factor {@code α} of {@code C̄ ← α C̄ + (1−α)(C − κ)}
 * @param initialMultiplier    {@code λ} at the start
 * @param maxMultiplier        {@code λ} is clamped to {@code [1/maxMultiplier, maxMultiplier]}
 * @param learningRate         Adam learning rate
 * @param clipNorm             global gradient-norm clipping threshold; 0 disables it
 * @param precision            float32 or float64
 * @param seed                 seed of the initial weights and of all training noise
 * @param centre               symmetry centre subtracted from the data before scaling (length {@code d})
 * @param scale                isotropic scale {@code s}: the model sees {@code (x − centre)/s}
 * @param trainingSamples      importance samples {@code K} per data point in the training objective: 1 trains the
 *                             ELBO (the paper), {@code K > 1} the importance-weighted bound
 *                             {@code E log (1/K) Σ_k w_k}, which is tighter and pushes the model's marginal, not the
 *                             encoder's fit, towards the data (docs/maths.md, "The training objective")
 * @param contextSize          {@code k}: the model is the conditional density {@code p(x | c)} of a context
 *                             {@code c ∈ R^k} (0: unconditional). Rows of data carry the context as their last {@code k}
 *                             columns; the symmetry acts on {@code x} only, and {@code c} enters the first layer of every
 *                             MLP ({@code K}, {@code U}, the encoder) as a per-row bias {@code c V1} (docs/maths.md,
 *                             "Conditional densities")
 * @param contextCentre        subtracted from the context before scaling (length {@code k})
 * @param contextScale         per-column scale of the context: the model sees {@code (c − contextCentre)/contextScale}
 *                             (length {@code k}; the context is not acted on by the symmetry, so it may be scaled per column)
 */
public record FlowConfig(
        int dimension,
        int hidden,
        int leapfrogSteps,
        double stepSize,
        boolean learnableStepSize,
        boolean separateHamiltonians,
        Kinetic kinetic,
        String potential,
        String base,
        List<String> symmetries,
        Constraint constraint,
        double kappa,
        PenaltySites penaltySites,
        double multiplierRate,
        double multiplierEma,
        double initialMultiplier,
        double maxMultiplier,
        double learningRate,
        double clipNorm,
        Precision precision,
        long seed,
        List<Double> centre,
        double scale,
        int trainingSamples,
        int contextSize,
        List<Double> contextCentre,
        List<Double> contextScale) {

    /** The kinetic energy family. */
    public enum Kinetic { MLP, QUADRATIC }

    /** How the symmetry is imposed: the paper's soft penalty, radial energies (exact), or not at all. */
    public enum Constraint { SOFT, HARD, NONE }

    /**
     * Where {@code {g, H}} is evaluated for the penalty: at base samples (the paper), also along their
     * forward flow, or where the training batch goes — every state of the inverse flow of the data with
     * their encoded momenta, each step's Hamiltonian at the two states it connects, averaged half and half with the base samples (docs/maths.md, "Where the
     * penalty is evaluated").
     */
    public enum PenaltySites { BASE, BASE_AND_FLOW, DATA_AND_BASE }

    /** Numeric precision of the graph. */
    public enum Precision { FLOAT32, FLOAT64 }

    /** Largest data dimension a configuration accepts. */
    public static final int MAX_DIMENSION = 4096;
    /** Largest hidden width (a {@code [h, h]} layer then holds 16.8 million weights). */
    public static final int MAX_HIDDEN = 4096;
    /** Largest number of Leap-Frog steps. */
    public static final int MAX_LEAPFROG_STEPS = 256;
    /** Most symmetry specs, and the longest one (characters). */
    public static final int MAX_SYMMETRIES = 64;
    /** The longest symmetry spec (characters). */
    public static final int MAX_SPEC_LENGTH = 1 << 16;

    /** The most importance samples per point of the training objective. */
    public static final int MAX_TRAINING_SAMPLES = 256;

    public FlowConfig {
        trainingSamples = trainingSamples == 0 ? 1 : trainingSamples;  // files written before the field existed: the ELBO
        require(trainingSamples >= 1 && trainingSamples <= MAX_TRAINING_SAMPLES, "training samples must be in 1.."
                + MAX_TRAINING_SAMPLES + ", got " + trainingSamples);
        require(symmetries != null && symmetries.size() <= MAX_SYMMETRIES, "at most " + MAX_SYMMETRIES + " symmetry specs");
        for (String s : symmetries) {
            require(s != null && s.length() <= MAX_SPEC_LENGTH, "a symmetry spec must be text of at most "
                    + MAX_SPEC_LENGTH + " characters");
        }
        require(base != null && base.length() <= 256, "the base density spec must be text of at most 256 characters");
        require(dimension >= 1 && dimension <= MAX_DIMENSION, "dimension must be in 1.." + MAX_DIMENSION + ", got " + dimension);
        require(hidden >= 1 && hidden <= MAX_HIDDEN, "hidden size must be in 1.." + MAX_HIDDEN + ", got " + hidden);
        require(leapfrogSteps >= 1 && leapfrogSteps <= MAX_LEAPFROG_STEPS, "the number of Leap-Frog steps must be in 1.."
                + MAX_LEAPFROG_STEPS + ", got " + leapfrogSteps);
        symmetries = List.copyOf(symmetries);
        centre = centre == null || centre.isEmpty() ? zeros(dimension) : List.copyOf(centre);
        require(stepSize > 0 && Double.isFinite(stepSize), "step size must be > 0 and finite, got " + stepSize);
        require(kappa >= 0 && Double.isFinite(kappa), "kappa (constraint precision) must be >= 0, got " + kappa);
        require(multiplierRate > 0 && Double.isFinite(multiplierRate), "multiplier rate must be > 0, got " + multiplierRate);
        require(multiplierEma >= 0 && multiplierEma < 1, "multiplier EMA factor must be in [0, 1), got " + multiplierEma);
        require(maxMultiplier >= 1 && Double.isFinite(maxMultiplier), "max multiplier must be >= 1, got " + maxMultiplier);
        require(initialMultiplier >= 1 / maxMultiplier && initialMultiplier <= maxMultiplier,
                "initial multiplier must lie in [1/maxMultiplier, maxMultiplier], got " + initialMultiplier);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be > 0, got " + learningRate);
        require(clipNorm >= 0 && Double.isFinite(clipNorm), "clip norm must be >= 0 (0 disables clipping), got " + clipNorm);
        require(scale > 0 && Double.isFinite(scale), "scale must be > 0 and finite, got " + scale);
        require(centre.size() == dimension, "centre has " + centre.size() + " coordinates but the dimension is " + dimension);
        for (Double c : centre) {
            require(c != null && Double.isFinite(c), "centre coordinates must be finite numbers");
        }
        require(contextSize >= 0 && contextSize <= MAX_DIMENSION, "the context size must be in 0.." + MAX_DIMENSION
                + ", got " + contextSize);
        contextCentre = contextCentre == null || contextCentre.isEmpty() ? zeros(contextSize) : List.copyOf(contextCentre);
        contextScale = contextScale == null || contextScale.isEmpty() ? ones(contextSize) : List.copyOf(contextScale);
        require(contextCentre.size() == contextSize && contextScale.size() == contextSize, "the context's centre and scale need "
                + contextSize + " values each, got " + contextCentre.size() + " and " + contextScale.size());
        for (int i = 0; i < contextSize; i++) {
            Double c = contextCentre.get(i);
            Double v = contextScale.get(i);
            require(c != null && Double.isFinite(c), "context centre values must be finite numbers");
            require(v != null && v > 0 && Double.isFinite(v), "context scales must be > 0 and finite, got " + v);
        }
        java.util.Objects.requireNonNull(kinetic, "kinetic");
        potential = potential == null ? "mlp" : potential;  // files written before the field existed
        EnergySpec potentialSpec = EnergySpec.parse(potential);
        java.util.Objects.requireNonNull(constraint, "constraint");
        java.util.Objects.requireNonNull(penaltySites, "penaltySites");
        java.util.Objects.requireNonNull(precision, "precision");
        BaseDensity.parse(base);
        // Parsed and checked without constructing anything: a class: spec is loaded only when a model is built.
        List<SymmetrySpec> specs = SymmetrySpec.parseAll(symmetries, dimension);
        boolean hasSymmetry = specs.stream().anyMatch(s -> !(s instanceof SymmetrySpec.None));
        if (constraint == Constraint.SOFT) {
            require(hasSymmetry, "the soft constraint needs a symmetry: add one (e.g. so" + dimension
                    + ") or use constraint none");
        }
        if (constraint == Constraint.HARD) {
            require(hasSymmetry, "the hard constraint needs a symmetry: add one (e.g. so" + dimension + ")");
            require(potentialSpec instanceof EnergySpec.Mlp, "the hard constraint's energies are radial MLPs, so it takes "
                    + "no potential " + potential + ": make your energy invariant itself and use constraint none, or use soft");
            for (SymmetrySpec s : specs) {
                require(s instanceof SymmetrySpec.None || s instanceof SymmetrySpec.Rotations, "symmetry " + s.print()
                        + " has no radial (hard-constraint) form: only so(k) symmetries do; use --constraint soft");
            }
        }
    }

    /** The symmetry specs, parsed (nothing constructed). */
    public List<SymmetrySpec> symmetrySpecs() {
        return SymmetrySpec.parseAll(symmetries, dimension);
    }

    /** The number of generators of the symmetry, counted without building so(k)'s matrices. */
    public int generatorCount() {
        return symmetrySpecs().stream().mapToInt(s -> s.generatorCount(dimension)).sum();
    }

    /**
     * The symmetry, built anew on each call (a {@code class:} spec constructs its class); a model builds it
     * once and keeps it in {@link FlowParts#symmetry()}.
     */
    public Optional<Symmetry> symmetry() {
        return Symmetries.build(symmetrySpecs(), dimension);
    }

    /** The parsed potential-energy spec. */
    public EnergySpec potentialSpec() {
        return EnergySpec.parse(potential);
    }

    /** The parsed base density. */
    public BaseDensity baseDensity() {
        return BaseDensity.parse(base);
    }

    /** The multiplier rule's settings of this configuration. */
    public org.eqflow.core.objective.LagrangeMultipliers.Settings multiplierSettings() {
        return new org.eqflow.core.objective.LagrangeMultipliers.Settings(initialMultiplier, kappa, multiplierRate, multiplierEma,
                maxMultiplier);
    }

    /**
     * @return whether the model sees the data as they are: centre at the origin and scale 1 (no {@code get}/{@code is}
     *         prefix: the model file's JSON holds the record's components only)
     */
    public boolean identityScaling() {
        return scale == 1.0 && centre.stream().allMatch(c -> c == 0.0);
    }

    /** {@code log s} per coordinate times {@code d}: subtract it from log-densities of the scaled data. */
    public double logScaleJacobian() {
        return dimension * Math.log(scale);
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        Builder b = new Builder(dimension);
        b.hidden = hidden;
        b.leapfrogSteps = leapfrogSteps;
        b.stepSize = stepSize;
        b.learnableStepSize = learnableStepSize;
        b.separateHamiltonians = separateHamiltonians;
        b.kinetic = kinetic;
        b.potential = potential;
        b.base = base;
        b.symmetries = new ArrayList<>(symmetries);
        b.constraint = constraint;
        b.kappa = kappa;
        b.penaltySites = penaltySites;
        b.multiplierRate = multiplierRate;
        b.multiplierEma = multiplierEma;
        b.initialMultiplier = initialMultiplier;
        b.maxMultiplier = maxMultiplier;
        b.learningRate = learningRate;
        b.clipNorm = clipNorm;
        b.precision = precision;
        b.seed = seed;
        b.centre = new ArrayList<>(centre);
        b.scale = scale;
        b.trainingSamples = trainingSamples;
        b.contextSize = contextSize;
        b.contextCentre = new ArrayList<>(contextCentre);
        b.contextScale = new ArrayList<>(contextScale);
        return b;
    }

    /** A builder for data of dimension d with the project's defaults. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static List<Double> ones(int n) {
        List<Double> z = new ArrayList<>();
        for (int i = 0; i < Math.max(n, 0); i++) {
            z.add(1.0);
        }
        return z;
    }

    /**
     * @return whether the model sees the context as it is: every context centre 0 and scale 1 (true without a context;
     *         no {@code get}/{@code is} prefix, as {@link #identityScaling()})
     */
    public boolean identityContextScaling() {
        return contextCentre.stream().allMatch(c -> c == 0.0) && contextScale.stream().allMatch(c -> c == 1.0);
    }

    /** Whether the model is conditional: {@link #contextSize} {@code > 0}. */
    public boolean conditional() {
        return contextSize > 0;
    }

    /** Columns of a data row: {@code d} coordinates, then {@code k} context values. */
    public int rowWidth() {
        return dimension + contextSize;
    }

    private static List<Double> zeros(int n) {
        List<Double> z = new ArrayList<>();
        for (int i = 0; i < Math.max(n, 0); i++) {
            z.add(0.0);
        }
        return z;
    }

    /** Builder with the project's defaults (the paper's settings where it gives them). */
    public static final class Builder {
        /** Default hidden width of every MLP. */
        public static final int DEFAULT_HIDDEN = 64;
        /** Default number of Leap-Frog steps. */
        public static final int DEFAULT_LEAPFROG_STEPS = 4;
        /** Default initial Leap-Frog step size. */
        public static final double DEFAULT_STEP_SIZE = 0.5;
        /** Default base density spec. */
        public static final String DEFAULT_BASE = "normal";
        /** Default constraint precision κ of the soft constraint. */
        public static final double DEFAULT_KAPPA = 1e-3;
        /**
         * Default λ at the start: small, so the penalty starts nearly off and the multiplier rule raises λ
         * only once {@code C} exceeds κ (a warm-up of the multipliers; docs/results.md).
         */
        public static final double DEFAULT_INITIAL_MULTIPLIER = 1e-2;
        /** Default: each Leap-Frog step has its own {@code K} and {@code U}. */
        public static final boolean DEFAULT_SEPARATE_HAMILTONIANS = true;
        /** Default {@link PenaltySites}: where the data and its flow lie, and the base samples. */
        public static final PenaltySites DEFAULT_PENALTY_SITES = PenaltySites.DATA_AND_BASE;
        /** Default Adam learning rate. */
        public static final double DEFAULT_LEARNING_RATE = 2e-3;
        /** Default gradient-norm clipping threshold (0: off). */
        public static final double DEFAULT_CLIP_NORM = 0.0;
        /**
         * Default multiplier rate η: log λ moves by at most 0.005 a step (a factor 100 in about 920 steps). At 0.02 the
         * rule overshot by four decades while the energies were still learning (docs/results.md, "Small data").
         */
        public static final double DEFAULT_MULTIPLIER_RATE = 0.005;
        /** Default multiplier EMA factor α. */
        public static final double DEFAULT_MULTIPLIER_EMA = 0.99;
        /** Default importance samples per point of the training objective (docs/results.md, "How the defaults were chosen"). */
        public static final int DEFAULT_TRAINING_SAMPLES = 8;

        private final int dimension;
        private int hidden = DEFAULT_HIDDEN;
        private int leapfrogSteps = DEFAULT_LEAPFROG_STEPS;
        private double stepSize = DEFAULT_STEP_SIZE;
        private boolean learnableStepSize = true;
        private boolean separateHamiltonians = DEFAULT_SEPARATE_HAMILTONIANS;
        private Kinetic kinetic = Kinetic.MLP;
        private String potential = "mlp";
        private String base = DEFAULT_BASE;
        private List<String> symmetries = new ArrayList<>();
        private Constraint constraint;
        private double kappa = DEFAULT_KAPPA;
        private boolean kappaGiven;
        /** κ, the penalty sites or a setting of the multipliers was given: the soft constraint is meant. */
        private boolean softSettingGiven;
        private PenaltySites penaltySites = DEFAULT_PENALTY_SITES;
        private double multiplierRate = DEFAULT_MULTIPLIER_RATE;
        private double multiplierEma = DEFAULT_MULTIPLIER_EMA;
        private double initialMultiplier = DEFAULT_INITIAL_MULTIPLIER;
        private double maxMultiplier = 1e4;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private double clipNorm = DEFAULT_CLIP_NORM;
        private Precision precision = Precision.FLOAT32;
        private long seed = 0;
        private List<Double> centre = List.of();
        private double scale = 1.0;
        private int trainingSamples = DEFAULT_TRAINING_SAMPLES;
        private int contextSize;
        private List<Double> contextCentre = List.of();
        private List<Double> contextScale = List.of();

        private Builder(int dimension) {
            this.dimension = dimension;
        }

        /** Hidden width of every MLP (default {@value #DEFAULT_HIDDEN}). */
        public Builder hidden(int v) { hidden = v; return this; }
        /** Number of Leap-Frog steps (default {@value #DEFAULT_LEAPFROG_STEPS}). */
        public Builder leapfrogSteps(int v) { leapfrogSteps = v; return this; }
        /** Initial step size ε of every Leap-Frog step (default {@value #DEFAULT_STEP_SIZE}). */
        public Builder stepSize(double v) { stepSize = v; return this; }
        /** Whether each step learns {@code log ε} (default true). */
        public Builder learnableStepSize(boolean v) { learnableStepSize = v; return this; }
        /** Whether each Leap-Frog step has its own K and U (default {@value #DEFAULT_SEPARATE_HAMILTONIANS}). */
        public Builder separateHamiltonians(boolean v) { separateHamiltonians = v; return this; }
        /** The kinetic energy (default {@link Kinetic#MLP}). */
        public Builder kinetic(Kinetic v) { kinetic = v; return this; }
        /** The potential energy: {@code mlp} (default) or {@code class:NAME} of your own {@link org.eqflow.core.energy.Energy}. */
        public Builder potential(String v) { potential = v; return this; }
        /** The base density: {@code normal} (default) or {@code soft-uniform:w,beta}. */
        public Builder base(String v) { base = v; return this; }
        /** Adds a symmetry spec ({@code so2}, {@code so3:0,1,2}, {@code linear:...}, {@code class:...}: docs/generators.md). */
        public Builder symmetry(String spec) { symmetries.add(spec); return this; }
        /** Replaces the symmetry specs. */
        public Builder symmetries(List<String> v) { symmetries = new ArrayList<>(v); return this; }
        /**
         * The constraint used when none is given: none without a symmetry; hard when every symmetry is a
         * rotation group so(k) (which has an exact, radial form), the potential is the built-in MLP and no
         * setting of the soft constraint (κ, the penalty sites, the multipliers) was given; soft otherwise. Hard is the default where it exists
         * because it measured best: exactly invariant and closer to the truth at equal time (docs/results.md,
         * "Quality bar" and "Invariant mixtures").
         */
        public Constraint defaultConstraint() {
            List<SymmetrySpec> specs = SymmetrySpec.parseAll(symmetries, dimension);
            boolean hasSymmetry = specs.stream().anyMatch(s -> !(s instanceof SymmetrySpec.None));
            if (!hasSymmetry) {
                return Constraint.NONE;
            }
            boolean radial = specs.stream().allMatch(s -> s instanceof SymmetrySpec.None || s instanceof SymmetrySpec.Rotations);
            boolean builtInPotential = EnergySpec.parse(potential) instanceof EnergySpec.Mlp;
            return radial && builtInPotential && !softSettingGiven ? Constraint.HARD : Constraint.SOFT;
        }

        /** How the symmetry is imposed (default: {@link #defaultConstraint}). */
        public Builder constraint(Constraint v) { constraint = v; return this; }
        /** κ of the soft constraint (default {@value #DEFAULT_KAPPA}); giving it with another constraint is refused. */
        public Builder kappa(double v) { kappa = v; kappaGiven = true; softSettingGiven = true; return this; }
        /** Where the soft constraint evaluates its brackets (default {@link PenaltySites#DATA_AND_BASE}). */
        public Builder penaltySites(PenaltySites v) { penaltySites = v; softSettingGiven = true; return this; }
        /** Rate η of the multiplier rule (default {@value #DEFAULT_MULTIPLIER_RATE}). */
        public Builder multiplierRate(double v) { multiplierRate = v; softSettingGiven = true; return this; }
        /** Moving-average factor α of the multiplier rule (default {@value #DEFAULT_MULTIPLIER_EMA}). */
        public Builder multiplierEma(double v) { multiplierEma = v; softSettingGiven = true; return this; }
        /** λ of every generator at the start (default {@value #DEFAULT_INITIAL_MULTIPLIER}). */
        public Builder initialMultiplier(double v) { initialMultiplier = v; softSettingGiven = true; return this; }
        /** λ stays in {@code [1/max, max]} (default 1e4). */
        public Builder maxMultiplier(double v) { maxMultiplier = v; softSettingGiven = true; return this; }
        /** Adam's learning rate (default {@value #DEFAULT_LEARNING_RATE}). */
        public Builder learningRate(double v) { learningRate = v; return this; }
        /** Gradient-norm clipping threshold, 0 for none (default {@value #DEFAULT_CLIP_NORM}). */
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        /** The graph's precision (default {@link Precision#FLOAT32}). */
        public Builder precision(Precision v) { precision = v; return this; }
        /** Float64 precision (for checks against finite differences). */
        public Builder float64() { precision = Precision.FLOAT64; return this; }
        /** Seed of the initial weights and of every noise stream (default 0). */
        public Builder seed(long v) { seed = v; return this; }
        /** The symmetry's centre, subtracted from the data before scaling (default: the origin). */
        public Builder centre(List<Double> v) { centre = new ArrayList<>(v); return this; }
        /**
         * Importance samples K per data point in the training objective (default {@value #DEFAULT_TRAINING_SAMPLES}):
         * 1 is the ELBO, K &gt; 1 the importance-weighted bound.
         */
        public Builder trainingSamples(int v) {
            require(v >= 1 && v <= MAX_TRAINING_SAMPLES, "training samples must be in 1.." + MAX_TRAINING_SAMPLES + ", got " + v);
            trainingSamples = v;
            return this;
        }
        /** Isotropic scale s: the model sees {@code (x − centre)/s} (default 1). */
        public Builder scale(double v) { scale = v; return this; }
        /**
         * The size k of the context: the model becomes the conditional density {@code p(x | c)}, its rows
         * {@code [x | c]} (default 0: unconditional).
         */
        public Builder contextSize(int v) { contextSize = v; return this; }
        /** Per-column centre and scale of the context: the model sees {@code (c − centre)/scale} (default 0 and 1). */
        public Builder contextScaling(List<Double> centre, List<Double> scale) {
            contextCentre = new ArrayList<>(centre);
            contextScale = new ArrayList<>(scale);
            return this;
        }

        /**
         * Validates and builds. The constraint, when not given, is {@link #defaultConstraint the measured
         * default}; κ given with a constraint other than soft is refused.
         */
        public FlowConfig build() {
            Constraint c = constraint != null ? constraint : defaultConstraint();
            if (kappaGiven && c != Constraint.SOFT) {
                throw new IllegalArgumentException("kappa applies to the soft constraint only, but the constraint is "
                        + c.name().toLowerCase(Locale.ROOT) + ": leave kappa out or use the soft constraint");
            }
            return new FlowConfig(dimension, hidden, leapfrogSteps, stepSize, learnableStepSize, separateHamiltonians,
                    kinetic, potential, base, symmetries, c, kappa, penaltySites, multiplierRate, multiplierEma,
                    initialMultiplier, maxMultiplier, learningRate, clipNorm, precision, seed, centre, scale, trainingSamples,
                    contextSize, contextCentre, contextScale);
        }
    }
}
