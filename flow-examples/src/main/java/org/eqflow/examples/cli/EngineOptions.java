package org.eqflow.examples.cli;

import org.eqflow.core.Choices;
import org.eqflow.core.Engine;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.model.TrainableModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code --path} and {@code --threads}: which engine computes the model, and on how many cores. */
final class EngineOptions {
    private static final Logger LOG = LoggerFactory.getLogger(EngineOptions.class);
    static final int CORES = Runtime.getRuntime().availableProcessors();

    @Option(names = "--path", paramLabel = "auto|fused|graph", description = "the engine: fused (hand-derived kernels, "
            + "several times faster), graph (SameDiff), or auto (default): fused wherever the model supports it; "
            + "the log says which was taken and why")
    String path = "auto";

    @Option(names = "--threads", paramLabel = "N", description = "cores for the fused engine, each batch cut into N shards "
            + "(default: all cores, " + "${DEFAULT-VALUE} here); each shard runs single-threaded BLAS")
    int threads = CORES;

    /** {@link #apply(EquivariantHamiltonianFlow, String)} for a model of any family. */
    <M extends TrainableModel> M apply(M model, String what) {
        if (model instanceof EquivariantHamiltonianFlow flow) {
            apply(flow, what);
        } else if (model instanceof FiniteFlow flow) {
            flow.useEngine(Choices.parse("--path", path, Engine.class));
            if (threads > 1 && "training".equals(what)) {
                LOG.info("the {} flow runs on one core (--threads shards the Hamiltonian flow's engine only)", flow.family());
            }
            if (!"training".equals(what)) {
                LOG.info("{} path: {}", what, flow.engineDescription());
            }
        } else if (model instanceof org.eqflow.core.manifold.ManifoldFlow flow) {
            flow.useEngine(Choices.parse("--path", path, Engine.class));
            if (!"training".equals(what)) {
                LOG.info("{} path: {}", what, flow.engineDescription());
            }
        }
        return model;
    }

    /** Applies the settings to a model and logs the engine taken, for {@code what} ("training", "sampling", …). */
    EquivariantHamiltonianFlow apply(EquivariantHamiltonianFlow flow, String what) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        flow.useEngine(Choices.parse("--path", path, Engine.class));
        flow.setThreads(threads);
        if (!"training".equals(what)) {
            LOG.info("{} path: {}", what, flow.engineDescription());  // the trainer logs its own
        }
        return flow;
    }
}
