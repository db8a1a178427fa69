package org.eqflow.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.model.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link HamiltonianEngine} on the SameDiff graph that defines the model: {@link #define} adds the model's inputs and
 * named outputs to the graph once, and every call runs the graph (SameDiff's autodiff gives the weight gradients).
 */
final class GraphHamiltonianEngine implements HamiltonianEngine {
    private final SameDiff sd;
    private final List<String> parameterNames;
    private final int generatorCount;
    private final int dimension;
    private final int steps;

    private GraphHamiltonianEngine(SameDiff sd, List<String> parameterNames, int generatorCount, FlowConfig config) {
        this.sd = sd;
        this.parameterNames = parameterNames;
        this.generatorCount = generatorCount;
        this.dimension = config.dimension();
        this.steps = config.leapfrogSteps();
    }

    /**
     * Defines the graph's inputs and outputs from the model's parts, and returns the engine that runs them.
     * Model-space rows carry a conditional model's context as their last {@code k} columns ({@code q}, {@code penaltyQ},
     * {@code stateQ}, {@code energyX} are {@code [B, d + k]}); momenta and noise are {@code [B, d]}.
     *
     * @param soft whether the multipliers {@code lambda} are an input (the soft constraint with a symmetry)
     */
    static GraphHamiltonianEngine define(SameDiff sd, FlowParts parts, FlowConfig config, DataType dataType,
                                         List<String> parameterNames, int generatorCount, boolean soft) {
        int d = config.dimension();
        int w = config.rowWidth();
        SDVariable[] data = parts.splitRows(sd, sd.placeHolder("q", dataType, -1, w));
        SDVariable q = data[0];
        SDVariable noise = sd.placeHolder("noise", dataType, -1, d);
        PhaseState penaltyStates = null;
        SDVariable penaltyContext = null;
        SDVariable lambda = null;
        if (generatorCount > 0) {
            SDVariable[] pen = parts.splitRows(sd, sd.placeHolder("penaltyQ", dataType, -1, w));
            penaltyStates = new PhaseState(pen[0], sd.placeHolder("penaltyP", dataType, -1, d));
            penaltyContext = pen[1];
            if (soft) {
                lambda = sd.placeHolder("lambda", dataType, generatorCount);
            }
        }
        FlowParts.Lagrangian lagrangian = parts.lagrangian(sd, q, data[1], noise, penaltyStates, penaltyContext, lambda);
        lagrangian.logWeights().rename("logWeight");
        lagrangian.negElbo().rename("negElbo");
        if (lagrangian.constraints() != null) {
            lagrangian.constraints().rename("constraints");
            if (lagrangian.baseConstraints() != lagrangian.constraints()) {
                lagrangian.baseConstraints().rename("baseConstraints");
            }
        }
        SDVariable loss = sd.identity("loss", lagrangian.loss());
        sd.setLossVariables(loss);

        SDVariable[] state = parts.splitRows(sd, sd.placeHolder("stateQ", dataType, -1, w));
        SDVariable stateP = sd.placeHolder("stateP", dataType, -1, d);
        FlowParts atState = parts.given(sd, state[1]);
        PhaseState start = new PhaseState(state[0], stateP);
        List<PhaseState> path = atState.flow().integrate(sd, start, false);
        for (int i = 1; i < path.size(); i++) {
            path.get(i).q().rename("forwardQ" + i);
            path.get(i).p().rename("forwardP" + i);
        }
        PhaseState back = atState.flow().inverse(sd, start);
        back.q().rename("inverseQ");
        back.p().rename("inverseP");
        parts.base().logDensity(sd, back).rename("logJoint");
        FlowParts atData = parts.given(sd, data[1]);
        atData.encoder().sample(sd, q, noise).p().rename("encoderP");
        atData.encoder().logDensity(sd, q, stateP).rename("encoderLogDensity");

        SDVariable[] x = parts.splitRows(sd, sd.placeHolder("energyX", dataType, -1, w));
        FlowParts atX = parts.given(sd, x[1]);
        for (int h = 0; h < parts.hamiltonians().size(); h++) {
            atX.hamiltonians().get(h).kinetic().value(sd, x[0]).rename("kinetic" + h);
            atX.hamiltonians().get(h).potential().value(sd, x[0]).rename("potential" + h);
        }
        return new GraphHamiltonianEngine(sd, parameterNames, generatorCount, config);
    }

    @Override
    public Objective evaluate(Map<String, INDArray> feeds, double[] lambda) {
        Quiet.createGradFunction(sd);
        List<String> outputs = new ArrayList<>(List.of("loss", "negElbo"));
        if (generatorCount > 0) {
            outputs.add("constraints");
        }
        OutAndGrad og = sd.calculateGradientsAndOutputs(feeds, outputs, parameterNames);
        double[] constraints = generatorCount > 0 ? og.getOutputs().get("constraints").toDoubleVector() : new double[0];
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : parameterNames) {
            grads.put(name, og.getGradients().get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }
        return new Objective(og.getOutputs().get("loss").getDouble(0), og.getOutputs().get("negElbo").getDouble(0),
                constraints, grads);
    }

    @Override
    public double loss(Map<String, INDArray> feeds, double[] lambda) {
        return sd.output(feeds, "loss").get("loss").getDouble(0);
    }

    @Override
    public double[] logWeights(INDArray q, INDArray noise) {
        return sd.output(Map.of("q", q, "noise", noise), "logWeight").get("logWeight").toDoubleVector();
    }

    @Override
    public INDArray finalPosition(INDArray q0, INDArray p0) {
        String name = "forwardQ" + steps;
        return sd.output(Map.of("stateQ", q0, "stateP", p0), name).get(name);
    }

    @Override
    public List<INDArray> states(INDArray q0, INDArray p0) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= steps; i++) {
            names.add("forwardQ" + i);
            names.add("forwardP" + i);
        }
        Map<String, INDArray> out = sd.output(Map.of("stateQ", q0, "stateP", p0), names);
        List<INDArray> states = new ArrayList<>(List.of(q0.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dimension)), p0));
        for (String name : names) {
            states.add(out.get(name));
        }
        return states;
    }

    @Override
    public INDArray[] forward(INDArray q, INDArray p) {
        String qn = "forwardQ" + steps;
        String pn = "forwardP" + steps;
        Map<String, INDArray> out = sd.output(Map.of("stateQ", q, "stateP", p), qn, pn);
        return new INDArray[] {out.get(qn), out.get(pn)};
    }

    /** {@code T⁻¹(q, p)}: {@code [q0, p0]} (the graph's alone: the fused engine keeps no inverse of its own). */
    INDArray[] inverse(INDArray q, INDArray p) {
        Map<String, INDArray> out = sd.output(Map.of("stateQ", q, "stateP", p), "inverseQ", "inverseP");
        return new INDArray[] {out.get("inverseQ"), out.get("inverseP")};
    }

    @Override
    public INDArray logJoint(INDArray q, INDArray p) {
        return sd.output(Map.of("stateQ", q, "stateP", p), "logJoint").get("logJoint");
    }

    @Override
    public INDArray encode(INDArray q, INDArray noise) {
        return sd.output(Map.of("q", q, "noise", noise), "encoderP").get("encoderP");
    }

    @Override
    public INDArray encoderLogDensity(INDArray q, INDArray p) {
        return sd.output(Map.of("q", q, "stateP", p), "encoderLogDensity").get("encoderLogDensity");
    }

    @Override
    public double[] constraints(INDArray penaltyQ, INDArray penaltyP) {
        String name = sd.hasVariable("baseConstraints") ? "baseConstraints" : "constraints";
        return sd.output(Map.of("penaltyQ", penaltyQ, "penaltyP", penaltyP), name).get(name).toDoubleVector();
    }

    /** {@code K(p)} of Hamiltonian {@code h}, {@code [B, 1]}. */
    INDArray kineticEnergy(INDArray p, int h) {
        return sd.output(Map.of("energyX", p), "kinetic" + h).get("kinetic" + h);
    }

    /** {@code U(q)} of Hamiltonian {@code h}, {@code [B, 1]}. */
    INDArray potentialEnergy(INDArray q, int h) {
        return sd.output(Map.of("energyX", q), "potential" + h).get("potential" + h);
    }
}
