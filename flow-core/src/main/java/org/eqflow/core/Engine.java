package org.eqflow.core;

/**
 * Which engine computes a model: the SameDiff graph (the definition, any configuration, any ND4J backend)
 * or the fused engine (hand-derived kernels on the host, equal to the graph to round-off, several times
 * faster). {@link #AUTO} takes the fused engine wherever the model's parts support it and the backend is the
 * CPU; {@link EquivariantHamiltonianFlow#engineDescription()} says what was taken and why.
 */
public enum Engine {
    AUTO, FUSED, GRAPH
}
