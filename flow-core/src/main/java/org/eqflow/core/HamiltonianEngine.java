package org.eqflow.core;

import java.util.List;
import java.util.Map;
import org.eqflow.core.model.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a Hamiltonian flow model computes, in one of two engines: {@link GraphHamiltonianEngine} (the SameDiff
 * graph that defines the model) and {@link FusedHamiltonianEngine} (the hand-derived kernels on the host, equal to
 * the graph to round-off: {@code FusedParityTest}). {@link EquivariantHamiltonianFlow} holds one of each where the
 * model allows and sends every call to the one in use; nothing else there asks which engine runs.
 *
 * <p>Arrays are in the model's space and type. Rows of positions carry a conditional model's context as their
 * last {@code k} columns ({@code [B, d + k]}); momenta, noise and results are {@code [B, d]}. The feeds of
 * {@link #evaluate} are the graph's placeholders by name: {@code q}, {@code noise}, and with a symmetry
 * {@code penaltyQ}, {@code penaltyP} (and {@code lambda} under the soft constraint).
 */
sealed interface HamiltonianEngine permits GraphHamiltonianEngine, FusedHamiltonianEngine {

    /** The Lagrangian, its parts and its gradients by parameter name at the given feeds and multipliers. */
    Objective evaluate(Map<String, INDArray> feeds, double[] lambda);

    /** The Lagrangian alone at the given feeds and multipliers. */
    double loss(Map<String, INDArray> feeds, double[] lambda);

    /** {@code log w = log π(T⁻¹(q, p)) − log h(p|q)} of each row, {@code p} drawn by the encoder from {@code noise}. */
    double[] logWeights(INDArray q, INDArray noise);

    /** The positions {@code q_L} of the forward flow of base states {@code (q0, p0)}: {@code [n, d]}. */
    INDArray finalPosition(INDArray q0, INDArray p0);

    /** Every state of the forward flow of {@code (q0, p0)}: {@code [q_0, p_0, q_1, p_1, …, q_L, p_L]}, positions without context. */
    List<INDArray> states(INDArray q0, INDArray p0);

    /** {@code T(q, p)}: {@code [q', p']}. */
    INDArray[] forward(INDArray q, INDArray p);

    /** {@code log π(T⁻¹(q, p))} of each row, {@code [B]}. */
    INDArray logJoint(INDArray q, INDArray p);

    /** Encoder draws {@code p = μ(q) + σ(q) ⊙ noise}. */
    INDArray encode(INDArray q, INDArray noise);

    /** {@code log h(p|q)} of each row, {@code [B]}. */
    INDArray encoderLogDensity(INDArray q, INDArray p);

    /** {@code C_k} at the penalty's base states (and, with those sites, along their flow). */
    double[] constraints(INDArray penaltyQ, INDArray penaltyP);
}
