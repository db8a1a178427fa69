package org.eqflow.examples.cli;

import org.eqflow.core.EquivariantHamiltonianFlow;
import picocli.CommandLine.Option;

/** {@code --threads}: how many cores the fused path uses (training steps and log-densities). */
final class ThreadsOption {
    static final int CORES = Runtime.getRuntime().availableProcessors();

    @Option(names = "--threads", paramLabel = "N", description = "cores for the fused path, each batch cut into N shards "
            + "(default: all cores, " + "${DEFAULT-VALUE} here); each shard runs single-threaded BLAS")
    int threads = CORES;

    /** Applies the setting to a model. */
    EquivariantHamiltonianFlow apply(EquivariantHamiltonianFlow flow) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        flow.setThreads(threads);
        return flow;
    }
}
