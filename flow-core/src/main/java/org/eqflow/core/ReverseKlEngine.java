package org.eqflow.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.graph.Quiet;
import org.eqflow.core.model.Objective;
import org.eqflow.core.objective.ReverseKl;
import org.eqflow.core.objective.SymmetryPenalty;
import org.eqflow.core.target.UnnormalisedTarget;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Evaluates {@link ReverseKl}'s Lagrangian {@code mean(−log w) + Σ_k λ_k (C_k − κ)} and its weight gradients for an
 * {@link EquivariantHamiltonianFlow} trained from an energy. A graph of its own (the model's graph keeps the
 * likelihood objective as its loss), built by {@link FlowParts#build} from the same configuration; its weights are
 * copied from the model's before every evaluation. The penalty sites of the soft constraint are the states the
 * batch visits: the base draws and every state of their forward flow.
 *
 * <p>Two passes per evaluation: the flow's end positions {@code x}, then — with {@code E(x)} and {@code ∇E(x)}
 * computed in Java — the surrogate's gradients.
 */
final class ReverseKlEngine {
    private final SameDiff sd = SameDiff.create();
    private final UnnormalisedTarget target;
    private final FlowConfig config;
    private final DataType dataType;
    private final List<String> names;
    /** Whether the soft constraint's penalty enters the loss (a soft model always has a symmetry). */
    private final boolean soft;
    /** Momenta per draw K: the configuration's training samples. */
    private final int momenta;

    ReverseKlEngine(FlowConfig config, Map<String, INDArray> parameters, UnnormalisedTarget target, DataType dataType, boolean soft) {
        this.config = config;
        this.target = target;
        this.dataType = dataType;
        this.soft = soft;
        this.names = List.copyOf(parameters.keySet());
        FlowParts parts = FlowParts.build(sd, config, (name, shape, init) -> sd.var(name, parameters.get(name).dup()));
        int d = config.dimension();
        PhaseState start = new PhaseState(sd.placeHolder("baseQ", dataType, -1, d), sd.placeHolder("baseP", dataType, -1, d));
        SDVariable energyGradient = sd.placeHolder("energyGradient", dataType, -1, d);
        this.momenta = config.trainingSamples();
        SDVariable innerNoise = momenta > 1 ? sd.placeHolder("innerNoise", dataType, -1, d) : null;
        ReverseKl.Terms terms = ReverseKl.terms(sd, parts.encoder(), parts.flow(), parts.base(), start, energyGradient, innerNoise,
                momenta, d);
        sd.identity("x", terms.x());
        sd.identity("modelTerm", terms.modelTerm());
        SDVariable loss = terms.surrogate();
        // the brackets only where they enter the loss: a hard model's are zero by construction (to round-off), and
        // computing them at every state of the flow would cost about as much as the objective itself
        if (soft) {
            SDVariable c = sd.identity("constraints",
                    SymmetryPenalty.constraintsAt(sd, parts.symmetry().get(), parts.hamiltonians(), terms.path()));
            SDVariable lambda = sd.placeHolder("lambda", dataType, parts.symmetry().get().size());
            loss = loss.add(SymmetryPenalty.lagrangeTerm(c, lambda, config.kappa()));
        }
        sd.setLossVariables(sd.identity("loss", loss));
    }

    /**
     * The objective at base states {@code baseQ, baseP} ({@code [B, d]} each) with multipliers {@code lambda}
     * (soft constraint), the weights taken from {@code parameters}.
     */
    /** Momenta per draw K. */
    int momenta() {
        return momenta;
    }

    /**
     * The objective, with the gradients (true) or the values alone (false: an empty gradient map); the flow's end
     * positions {@code x = T(s₀)} given when the caller has them (the fused engine's forward pass, equal to the
     * graph's to round-off), else computed by the graph.
     *
     * @param innerNoise the encoder noise of the extra momenta {@code [B(K−1), d]} (null when K = 1)
     */
    Objective evaluate(Map<String, INDArray> parameters, INDArray baseQ, INDArray baseP, INDArray innerNoise, double[] lambda,
                       boolean withGradients, INDArray endPositions) {
        for (String name : names) {
            sd.getVariable(name).getArr().assign(parameters.get(name));
        }
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        feeds.put("baseQ", baseQ.castTo(dataType).dup('c'));
        feeds.put("baseP", baseP.castTo(dataType).dup('c'));
        INDArray x = endPositions != null ? endPositions : sd.output(feeds, "x").get("x");
        int b = (int) x.rows();
        int d = config.dimension();
        double[] xs = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] energies = new double[b];
        double[] gradients = new double[b * d];
        double[] row = new double[d];
        double[] g = new double[d];
        for (int i = 0; i < b; i++) {
            System.arraycopy(xs, i * d, row, 0, d);
            energies[i] = target.energyAndGradient(row, g);
            System.arraycopy(g, 0, gradients, i * d, d);
        }
        feeds.put("energyGradient", Nd4j.create(gradients, new long[] {b, d}, DataType.DOUBLE).castTo(dataType));
        if (momenta > 1) {
            feeds.put("innerNoise", innerNoise.castTo(dataType).dup('c'));
        }
        if (soft) {
            feeds.put("lambda", Nd4j.create(lambda, new long[] {lambda.length}, DataType.DOUBLE).castTo(dataType));
        }
        List<String> outputs = new ArrayList<>(List.of("modelTerm"));
        if (soft) {
            outputs.add("constraints");
        }
        Map<String, INDArray> values;
        Map<String, INDArray> weightGradients = Map.of();
        if (withGradients) {
            Quiet.createGradFunction(sd);
            OutAndGrad og = sd.calculateGradientsAndOutputs(feeds, outputs, names);
            values = og.getOutputs();
            weightGradients = og.getGradients();
        } else {
            values = sd.output(feeds, outputs.toArray(new String[0]));
        }
        double[] modelTerm = values.get("modelTerm").castTo(DataType.DOUBLE).toDoubleVector();
        double sum = 0;
        for (int i = 0; i < b; i++) {
            sum += modelTerm[i] + energies[i];
        }
        double dataTerm = sum / b;
        double[] constraints = soft ? values.get("constraints").castTo(DataType.DOUBLE).toDoubleVector() : new double[0];
        double loss = dataTerm;
        if (soft) {
            for (int k = 0; k < constraints.length; k++) {
                loss += lambda[k] * (constraints[k] - config.kappa());
            }
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String name : withGradients ? names : List.<String>of()) {
            grads.put(name, weightGradients.get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }
        return new Objective(loss, dataTerm, constraints, grads);
    }
}
