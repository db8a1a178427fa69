package org.eqflow.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eqflow.core.base.BaseDensity;
import org.eqflow.core.encoder.GaussianEncoder;
import org.eqflow.core.energy.Energy;
import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.energy.QuadraticEnergy;
import org.eqflow.core.energy.RadialEnergy;
import org.eqflow.core.energy.SoftplusMlp;
import org.eqflow.core.flow.FlowBlock;
import org.eqflow.core.flow.HamiltonianFlow;
import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.symmetry.MatrixCheck;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The pieces of the model a configuration describes, wired into one SameDiff graph: base density,
 * Hamiltonian(s), Leap-Frog flow, encoder and symmetry. The model and the DL4J layer both build their
 * graphs from this, with their own {@link ParameterSource}.
 *
 * <p>Parameter names: {@code kin…}/{@code pot…} (with the block index when each step has its own
 * Hamiltonian), {@code encMu…}/{@code encSigma…}, {@code logStep<i>}.
 */
public record FlowParts(
        FlowConfig config,
        BaseDensity base,
        List<Hamiltonian> hamiltonians,
        HamiltonianFlow flow,
        GaussianEncoder encoder,
        Optional<Symmetry> symmetry) {

    /** Builds the parts of configuration {@code c} in {@code sd}, their parameters taken from {@code params}. */
    public static FlowParts build(SameDiff sd, FlowConfig c, ParameterSource params) {
        Optional<Symmetry> symmetry = c.symmetry();
        symmetry.ifPresent(MatrixCheck::verify);
        int count = c.separateHamiltonians() ? c.leapfrogSteps() : 1;
        List<Hamiltonian> hams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String suffix = count == 1 ? "" : Integer.toString(i);
            hams.add(new Hamiltonian(energy(c, params, "kin" + suffix, true, symmetry),
                    energy(c, params, "pot" + suffix, false, symmetry)));
        }
        List<FlowBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.leapfrogSteps(); i++) {
            blocks.add(new FlowBlock(hams.get(count == 1 ? 0 : i), stepSize(sd, c, params, i)));
        }
        GaussianEncoder encoder = new GaussianEncoder(params, "enc", c.dimension(), c.hidden(), c.contextSize());
        return new FlowParts(c, c.baseDensity(), List.copyOf(hams), new HamiltonianFlow(blocks), encoder, symmetry);
    }

    /**
     * The parts of a conditional model bound to a context {@code [B, k]} (row {@code b} of every batch these parts
     * see is evaluated at context row {@code b}): every energy and the encoder conditioned, the flow rebuilt from the
     * conditioned Hamiltonians with the same step sizes. An unconditional model's parts are returned as they are.
     */
    public FlowParts given(SameDiff sd, SDVariable context) {
        if (!config.conditional()) {
            return this;
        }
        java.util.Map<Hamiltonian, Hamiltonian> bound = new java.util.IdentityHashMap<>();
        for (Hamiltonian h : hamiltonians) {
            bound.put(h, new Hamiltonian(h.kinetic().given(sd, context), h.potential().given(sd, context)));
        }
        List<FlowBlock> blocks = new ArrayList<>();
        for (FlowBlock b : flow.blocks()) {
            blocks.add(new FlowBlock(bound.get(b.hamiltonian()), b.stepSize()));
        }
        return new FlowParts(config, base, hamiltonians.stream().map(bound::get).toList(), new HamiltonianFlow(blocks),
                encoder.given(sd, context), symmetry);
    }

    /**
     * Splits model-space rows {@code [B, d + k]} into the positions {@code [B, d]} and the context {@code [B, k]}
     * (slices, never gathers); an unconditional model's rows are its positions, and the context is null.
     */
    public SDVariable[] splitRows(SameDiff sd, SDVariable rows) {
        if (!config.conditional()) {
            return new SDVariable[] {rows, null};
        }
        int d = config.dimension();
        return new SDVariable[] {sd.slice(rows, new int[] {0, 0}, -1, d), sd.slice(rows, new int[] {0, d}, -1, config.contextSize())};
    }

    /**
     * Why the fused engine cannot compute this model, or empty if it can: computed from the parts — an
     * energy without a fused kernel (the built-in MLP, radial and quadratic energies have one), or a generator
     * without {@code matrix()}.
     */
    public Optional<String> fusedUnsupportedReason() {
        for (Hamiltonian h : hamiltonians) {
            for (Energy e : List.of(h.kinetic(), h.potential())) {
                if (!(e instanceof SoftplusMlp || e instanceof RadialEnergy || e instanceof QuadraticEnergy)) {
                    return Optional.of("energy " + e.getClass().getName() + " has no fused kernel");
                }
            }
        }
        return org.eqflow.core.fused.FusedLagrangian.unsupportedReason(symmetry);
    }

    /**
     * The training objective as graph ops, in one place for every user of the graph (the model and the DL4J
     * layer; the fused engine is its hand-derived twin):
     * {@code loss = −mean log w + Σ_k λ_k (C_k − κ)} — without the sum when {@code lambda} is null.
     *
     * @param logWeights {@code log w} per row
     * @param negElbo    the negated training bound: {@code −mean log w} (the ELBO), or with K training samples the
     *                   negated importance-weighted bound over groups of K rows
     * @param constraints {@code C_k} at the penalty sites (null without penalty sites)
     * @param baseConstraints {@code C_k} at the base sites alone (the same variable as {@code constraints}
     *                   unless the sites include the data's)
     */
    public record Lagrangian(SDVariable logWeights, SDVariable negElbo, SDVariable constraints, SDVariable baseConstraints,
                             SDVariable loss) {
    }

    /**
     * Builds {@link Lagrangian} for data {@code q} with encoder noise, penalty sites from the base states
     * {@code penaltyStates} (null for none), multipliers {@code lambda} (null: no penalty term).
     */
    public Lagrangian lagrangian(SameDiff sd, SDVariable q, SDVariable noise, org.eqflow.core.flow.PhaseState penaltyStates,
                                 SDVariable lambda) {
        return lagrangian(sd, q, null, noise, penaltyStates, null, lambda);
    }

    /**
     * {@link #lagrangian(SameDiff, SDVariable, SDVariable, org.eqflow.core.flow.PhaseState, SDVariable)} of a
     * conditional model: {@code context [B, k]} of the data rows, {@code penaltyContext} of the penalty's base states
     * (both null for an unconditional model).
     */
    public Lagrangian lagrangian(SameDiff sd, SDVariable q, SDVariable context, SDVariable noise,
                                 org.eqflow.core.flow.PhaseState penaltyStates, SDVariable penaltyContext, SDVariable lambda) {
        if (config.conditional() && (context == null || (penaltyStates != null && penaltyContext == null))) {
            throw new IllegalArgumentException("a conditional model's Lagrangian needs the context of its data and penalty rows");
        }
        FlowParts atData = given(sd, context);
        FlowParts atBase = penaltyStates == null ? this : given(sd, penaltyContext);
        org.eqflow.core.objective.Elbo.Weights weights = org.eqflow.core.objective.Elbo.logWeightsAndPath(sd, atData.encoder,
                atData.flow, base, q, noise);
        SDVariable logW = weights.logWeights();
        SDVariable negElbo = org.eqflow.core.objective.Iwae.bound(sd, logW, config.trainingSamples()).neg();
        SDVariable baseC = penaltyStates == null || symmetry.isEmpty() ? null : atBase.constraints(sd, penaltyStates);
        SDVariable c = baseC;
        if (c != null && config.penaltySites() == FlowConfig.PenaltySites.DATA_AND_BASE) {
            c = c.add(org.eqflow.core.objective.SymmetryPenalty.alongInverseFlow(sd, symmetry.get(), atData.flow, weights.path())).mul(0.5);
        }
        SDVariable loss = lambda == null || c == null ? negElbo
                : negElbo.add(org.eqflow.core.objective.SymmetryPenalty.lagrangeTerm(c, lambda, config.kappa()));
        return new Lagrangian(logW, negElbo, c, baseC, loss);
    }

    /** {@code log w = log π(T⁻¹(q, p)) − log h(p|q)} per row, {@code p} the encoder's draw with {@code noise}. */
    public SDVariable logWeights(SameDiff sd, SDVariable q, SDVariable noise) {
        return org.eqflow.core.objective.Elbo.logWeights(sd, encoder, flow, base, q, noise);
    }

    /**
     * {@code C_k} of the symmetry at the configuration's base sites (the base states, and their forward
     * flow with {@code BASE_AND_FLOW}); the data sites of {@code DATA_AND_BASE} need a batch and are added by
     * {@link #lagrangian}.
     */
    public SDVariable constraints(SameDiff sd, org.eqflow.core.flow.PhaseState baseStates) {
        return org.eqflow.core.objective.SymmetryPenalty.constraints(sd, symmetry.orElseThrow(), hamiltonians, flow,
                config.penaltySites() == FlowConfig.PenaltySites.BASE_AND_FLOW, baseStates);
    }

    /**
     * The name and shape of every trainable parameter {@code c} defines, in creation order, found by
     * running {@link #build} with placeholders instead of weights: nothing of the model's size is
     * allocated, so a loader can check stored arrays against a configuration it does not yet trust.
     */
    public static Map<String, long[]> parameterShapes(FlowConfig c) {
        SameDiff sd = SameDiff.create();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        build(sd, c, (name, shape, init) -> {
            if (shapes.put(name, shape.clone()) != null) {
                throw new IllegalStateException("parameter '" + name + "' is defined twice");
            }
            return sd.placeHolder(name, org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
        });
        return shapes;
    }

    private static Energy energy(FlowConfig c, ParameterSource params, String prefix, boolean kinetic,
                                 Optional<Symmetry> symmetry) {
        if (kinetic && c.kinetic() == FlowConfig.Kinetic.QUADRATIC) {
            return new QuadraticEnergy(c.dimension());
        }
        if (c.constraint() == FlowConfig.Constraint.HARD) {
            return new RadialEnergy(params, prefix, c.dimension(), symmetry.orElseThrow().invariantSubsets(), c.hidden(),
                    c.contextSize());
        }
        if (kinetic || c.potentialSpec() instanceof org.eqflow.core.energy.EnergySpec.Mlp) {
            return new SoftplusMlp(params, prefix, c.dimension(), c.hidden(), c.contextSize());
        }
        return c.potentialSpec().create(params, prefix, c.dimension(), c.hidden());
    }

    private static SDVariable stepSize(SameDiff sd, FlowConfig c, ParameterSource params, int i) {
        if (c.learnableStepSize()) {
            SDVariable logStep = params.parameter("logStep" + i, new long[] {1, 1},
                    ParameterInit.constant(Math.log(c.stepSize())));
            return sd.math.exp(logStep);
        }
        return sd.constant("stepSize" + i, org.nd4j.linalg.factory.Nd4j.scalar(c.stepSize())
                .castTo(c.precision() == FlowConfig.Precision.FLOAT64
                        ? org.nd4j.linalg.api.buffer.DataType.DOUBLE : org.nd4j.linalg.api.buffer.DataType.FLOAT));
    }
}
