package org.eqflow.core.finite;

import java.util.List;
import org.eqflow.core.FlowConfig.Precision;
import org.eqflow.core.group.Group;
import org.eqflow.core.group.Groups;

/**
 * The configuration of a finite flow, validated when built. Every default lives in {@link Builder}.
 *
 * @param kind          the family of layers: residual (G-residual blocks) or coupling (O(2)-equivariant couplings of
 *                      points in the plane)
 * @param dimension     data dimension {@code d} (coupling flows: {@code 2k} for {@code k} points in the plane)
 * @param group         the symmetry group's specification ({@link Groups}); {@code none} for an unconstrained residual
 *                      flow; always {@code o2} for a coupling flow (its layers are O(2)-equivariant by construction)
 * @param blocks        number of blocks (residual) or coupling layers
 * @param hidden        width of each hidden layer (of the residual MLP, or of the coupling's conditioner)
 * @param lipschitz     residual flows: the spectral norm each weight matrix is held to after every update; with
 *                      1-Lipschitz activations a block's residual has Lipschitz constant at most {@code lipschitz³}
 * @param learningRate  Adam learning rate
 * @param clipNorm      global gradient-norm clipping threshold; 0 disables it
 * @param precision     float32 or float64
 * @param seed          seed of the initial weights
 * @param centre        subtracted from the data before scaling (zeros under a symmetry: the group acts about the origin)
 * @param scale         the model sees {@code (x − centre)/scale}
 * @param symmetrize    a finite group over which the trained density is averaged, {@code p(x) = |H|⁻¹ Σ_h q(h x)}
 *                      (about the centre), making it exactly invariant under {@code H} as well ({@code none}: no
 *                      averaging); training fits {@code q}
 */
public record FiniteFlowConfig(Kind kind, int dimension, String group, int blocks, int hidden, double lipschitz,
                               double learningRate, double clipNorm, Precision precision, long seed, List<Double> centre,
                               double scale, String symmetrize) {

    /** The family of blocks. */
    public enum Kind { RESIDUAL, COUPLING }

    public FiniteFlowConfig {
        centre = centre == null ? null : List.copyOf(centre);
    }

    /** The group, parsed. */
    public Group parsedGroup() {
        return Groups.parse(group, dimension);
    }

    /** {@code d · log scale}: what a log-density in model units loses in data units. */
    public double logScaleJacobian() {
        return dimension * Math.log(scale);
    }

    /** A builder for a flow of the given kind on data of dimension d, with the kind's defaults. */
    public static Builder builder(Kind kind, int dimension) {
        return new Builder(kind, dimension);
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        Builder b = new Builder(kind, dimension);
        b.group = group;
        b.blocks = blocks;
        b.hidden = hidden;
        b.lipschitz = lipschitz;
        b.learningRate = learningRate;
        b.clipNorm = clipNorm;
        b.precision = precision;
        b.seed = seed;
        b.centre = centre;
        b.scale = scale;
        b.symmetrize = symmetrize;
        return b;
    }

    /** Builds a validated configuration; each default is a constant here. */
    public static final class Builder {
        /** Residual blocks by default (docs/results.md, "Finite flows": how the defaults were chosen). */
        public static final int DEFAULT_RESIDUAL_BLOCKS = 16;
        /** Hidden width: each block is small, the flow deep (averaging over the group multiplies every width's cost). */
        public static final int DEFAULT_HIDDEN = 32;
        /** Coupling layers by default (docs/results.md, "Finite flows"). */
        public static final int DEFAULT_COUPLING_BLOCKS = 12;
        /** Width of the coupling's conditioner (it sees only invariants, once per point: wider costs little). */
        public static final int DEFAULT_COUPLING_HIDDEN = 64;
        /** The coupling flow's conditioner sees every pair's distance: kept to 32 points in the plane. */
        public static final int MAX_COUPLING_DIMENSION = 64;
        /** Per-layer spectral norm bound of residual blocks (i-ResNet's coefficient). */
        public static final double DEFAULT_LIPSCHITZ = 0.97;
        /** The residual flow's Adam learning rate. */
        public static final double DEFAULT_LEARNING_RATE = 1e-2;
        /** The coupling flow's learning rate (its layers are not held to a Lipschitz bound: smaller steps). */
        public static final double DEFAULT_COUPLING_LEARNING_RATE = 3e-3;
        /** Points per update the defaults were measured with (a training option; the command line uses it for this family). */
        public static final int DEFAULT_BATCH_SIZE = 128;
        /** Default gradient-norm clipping threshold (0: off). */
        public static final double DEFAULT_CLIP_NORM = 0.0;
        /** Most blocks (residual) or layers (coupling). */
        public static final int MAX_BLOCKS = 256;
        /** Largest hidden width. */
        public static final int MAX_HIDDEN = 4096;
        /** The residual flow's exact log-determinant is an unrolled LU in the graph: kept to small dimensions. */
        public static final int MAX_RESIDUAL_DIMENSION = 16;
        /** Symmetrising over a group costs its order in every evaluation. */
        public static final int MAX_GROUP_ORDER = 512;

        private final Kind kind;
        private final int dimension;
        private String group;
        private Integer blocks;
        private Integer hidden;
        private double lipschitz = DEFAULT_LIPSCHITZ;
        private Double learningRate;
        private double clipNorm = DEFAULT_CLIP_NORM;
        private Precision precision = Precision.FLOAT32;
        private long seed = 0;
        private List<Double> centre;
        private double scale = 1.0;
        private String symmetrize;

        private Builder(Kind kind, int dimension) {
            this.kind = kind;
            this.dimension = dimension;
        }

        /** The finite group the flow is equivariant under ({@code c8}, {@code perm:4x2}, {@code o2}, ...: docs/finite-flows.md; the coupling flow takes {@code o2}). */
        public Builder group(String v) { group = v; return this; }
        /** Residual blocks or coupling layers (default: the kind's). */
        public Builder blocks(int v) { blocks = v; return this; }
        /** Hidden width of the blocks' or conditioners' MLPs (default: the kind's). */
        public Builder hidden(int v) { hidden = v; return this; }
        /** Spectral norm bound of every residual layer, below 1 (default {@value #DEFAULT_LIPSCHITZ}). */
        public Builder lipschitz(double v) { lipschitz = v; return this; }
        /** Adam's learning rate (default: the kind's). */
        public Builder learningRate(double v) { learningRate = v; return this; }
        /** Gradient-norm clipping threshold, 0 for none (default {@value #DEFAULT_CLIP_NORM}). */
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        /** The graph's precision (default float32). */
        public Builder precision(Precision v) { precision = v; return this; }
        /** Float64 precision (for checks against finite differences). */
        public Builder float64() { precision = Precision.FLOAT64; return this; }
        /** Seed of the initial weights and of every noise stream (default 0). */
        public Builder seed(long v) { seed = v; return this; }
        /** The symmetry's centre, subtracted from the data before scaling (default: the origin). */
        public Builder centre(List<Double> v) { centre = v; return this; }
        /** Isotropic scale s: the flow sees {@code (x − centre)/s} (default 1). */
        public Builder scale(double v) { scale = v; return this; }
        /** A finite group to average the density over, {@code p(x) = |H|⁻¹ Σ_h q(h x)} (default: none). */
        public Builder symmetrize(String v) { symmetrize = v; return this; }

        /** Validates and builds, filling what was not given with the kind's defaults. */
        public FiniteFlowConfig build() {
            if (kind == null) {
                throw new IllegalArgumentException("the flow kind is missing");
            }
            boolean coupling = kind == Kind.COUPLING;
            if (!coupling && (dimension < 1 || dimension > MAX_RESIDUAL_DIMENSION)) {
                throw new IllegalArgumentException("the residual flow takes dimensions 1 to " + MAX_RESIDUAL_DIMENSION
                        + " (its exact log-determinant), got " + dimension);
            }
            if (coupling && (dimension < 4 || dimension % 2 != 0 || dimension > MAX_COUPLING_DIMENSION)) {
                throw new IllegalArgumentException("the coupling flow takes rows of 2 to " + MAX_COUPLING_DIMENSION / 2
                        + " points in the plane (x1,y1,x2,y2,...): an even dimension from 4 to " + MAX_COUPLING_DIMENSION
                        + ", got " + dimension);
            }
            int b = blocks != null ? blocks : coupling ? DEFAULT_COUPLING_BLOCKS : DEFAULT_RESIDUAL_BLOCKS;
            int hidden = this.hidden != null ? this.hidden : coupling ? DEFAULT_COUPLING_HIDDEN : DEFAULT_HIDDEN;
            if (b < 1 || b > MAX_BLOCKS) {
                throw new IllegalArgumentException("blocks must be between 1 and " + MAX_BLOCKS + ", got " + b);
            }
            if (hidden < 1 || hidden > MAX_HIDDEN) {
                throw new IllegalArgumentException("hidden must be between 1 and " + MAX_HIDDEN + ", got " + hidden);
            }
            if (!(lipschitz > 0 && lipschitz < 1)) {
                throw new IllegalArgumentException("the Lipschitz coefficient must lie in (0, 1) for the residual blocks to be "
                        + "invertible, got " + lipschitz);
            }
            double learningRate = this.learningRate != null ? this.learningRate
                    : coupling ? DEFAULT_COUPLING_LEARNING_RATE : DEFAULT_LEARNING_RATE;
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("the learning rate must be finite and > 0, got " + learningRate);
            }
            if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
                throw new IllegalArgumentException("clipNorm must be finite and >= 0, got " + clipNorm);
            }
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
            }
            List<Double> c = centre == null ? java.util.Collections.nCopies(dimension, 0.0) : centre;
            if (c.size() != dimension || c.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
                throw new IllegalArgumentException("centre needs " + dimension + " finite values, got " + c);
            }
            if (coupling && group != null && !group.trim().equalsIgnoreCase("o2")) {
                throw new IllegalArgumentException("the coupling flow is equivariant under rotations and reflections of the plane "
                        + "acting on every point alike (o2) by construction, not under '" + group + "': leave the group out, "
                        + "or use the residual flow (--flow residual) for " + group);
            }
            Group g = Groups.parse(group != null ? group : coupling ? "o2" : "none", dimension);
            if (!coupling && !g.isFinite()) {
                throw new IllegalArgumentException("the residual flow averages over the group's elements, and " + g.spec()
                        + " is continuous: use a finite group (c<n>, d<n>, perm:<k>x<m>) or the Hamiltonian flow for " + g.spec());
            }
            if (!coupling && g.order() > MAX_GROUP_ORDER) {
                throw new IllegalArgumentException("group " + g.spec() + " has " + g.order() + " elements; the residual flow "
                        + "averages over at most " + MAX_GROUP_ORDER);
            }
            Group h = Groups.parse(symmetrize != null ? symmetrize : "none", dimension);
            if (!h.isFinite() || h.order() > MAX_GROUP_ORDER) {
                throw new IllegalArgumentException("symmetrize: the density is averaged over every element of the group, so it "
                        + "must be finite with at most " + MAX_GROUP_ORDER + " elements, got " + h.spec());
            }
            return new FiniteFlowConfig(kind, dimension, g.spec(), b, hidden, lipschitz, learningRate, clipNorm, precision,
                    seed, c, scale, h.spec());
        }
    }
}
