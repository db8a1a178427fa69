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
        GaussianEncoder encoder = new GaussianEncoder(params, "enc", c.dimension(), c.hidden());
        return new FlowParts(c, c.baseDensity(), List.copyOf(hams), new HamiltonianFlow(blocks), encoder, symmetry);
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
        org.eqflow.core.objective.Elbo.Weights weights = org.eqflow.core.objective.Elbo.logWeightsAndPath(sd, encoder, flow, base, q, noise);
        SDVariable logW = weights.logWeights();
        SDVariable negElbo = org.eqflow.core.objective.Iwae.bound(sd, logW, config.trainingSamples()).neg();
        SDVariable atBase = penaltyStates == null || symmetry.isEmpty() ? null : constraints(sd, penaltyStates);
        SDVariable c = atBase;
        if (c != null && config.penaltySites() == FlowConfig.PenaltySites.DATA_AND_BASE) {
            c = c.add(org.eqflow.core.objective.SymmetryPenalty.alongInverseFlow(sd, symmetry.get(), flow, weights.path())).mul(0.5);
        }
        SDVariable loss = lambda == null || c == null ? negElbo
                : negElbo.add(org.eqflow.core.objective.SymmetryPenalty.lagrangeTerm(c, lambda, config.kappa()));
        return new Lagrangian(logW, negElbo, c, atBase, loss);
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
            return new RadialEnergy(params, prefix, c.dimension(), symmetry.orElseThrow().invariantSubsets(), c.hidden());
        }
        return kinetic ? new SoftplusMlp(params, prefix, c.dimension(), c.hidden())
                : c.potentialSpec().create(params, prefix, c.dimension(), c.hidden());
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
