package org.eqflow.core.flow;

import org.eqflow.core.energy.Hamiltonian;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One Leap-Frog step of a flow: the Hamiltonian it integrates and its (positive) step size {@code ε},
 * a scalar graph variable, constant or learnable.
 */
public record FlowBlock(Hamiltonian hamiltonian, SDVariable stepSize) {
}
