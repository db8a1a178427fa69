package org.eqflow.core.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A {@link ParameterSource} that only records what the builders ask for (name, shape, initialiser), in
 * order, handing out stand-in variables of a scratch graph. Frameworks that own the parameters themselves
 * (DL4J's layers) learn the parameter list from it before building the real graph.
 */
public final class RecordingParameters implements ParameterSource {
    private final SameDiff scratch = SameDiff.create();
    private final List<Spec> specs = new ArrayList<>();

    /** One requested parameter. */
    public record Spec(String name, long[] shape, ParameterInit init) {
    }

    @Override
    public SDVariable parameter(String name, long[] shape, ParameterInit init) {
        specs.add(new Spec(name, shape.clone(), init));
        return scratch.var(name, DataType.FLOAT, shape);
    }

    /** The scratch graph the stand-ins live in (to build the model's parts against). */
    public SameDiff graph() {
        return scratch;
    }

    /** The parameters asked for so far, in order. */
    public List<Spec> specs() {
        return Collections.unmodifiableList(specs);
    }
}
