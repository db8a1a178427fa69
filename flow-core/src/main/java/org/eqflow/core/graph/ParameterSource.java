package org.eqflow.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Where the graph builders get their trainable variables from.
 *
 * <p>The model creates fresh variables ({@link GraphParameters}); the DL4J layer hands out the
 * variables DL4J already owns. Builders never call {@code sd.var} themselves, so the same builder
 * code defines the graph in both places.
 *
 * <p>Names must be plain alphanumerics (DL4J reserves {@code _} in parameter names).
 */
public interface ParameterSource {

    /** Returns the trainable variable {@code name} of the given shape, initialised by {@code init}. */
    SDVariable parameter(String name, long[] shape, ParameterInit init);
}
