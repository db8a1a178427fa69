/**
 * The equivariant Hamiltonian flow as a DeepLearning4J output layer: the layer configuration, its runtime
 * layer, the noise pre-processor, the multiplier listener, an early-stopping score and helpers that move
 * weights to the flow-core model. A thin adapter: every graph op comes from flow-core.
 */
package org.eqflow.dl4j;
