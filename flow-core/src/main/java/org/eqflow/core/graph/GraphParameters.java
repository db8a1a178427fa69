package org.eqflow.core.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link ParameterSource} that creates each variable in a SameDiff graph, initialised from a seeded
 * random stream, and remembers the creation order (the order in which the model file stores them).
 */
public final class GraphParameters implements ParameterSource {
    private final SameDiff sd;
    private final DataType dataType;
    private final SplittableRandom rng;
    private final List<String> names = new ArrayList<>();

    /** Parameters created as variables of {@code sd} in {@code dataType}, initialised from a generator seeded with {@code seed}. */
    public GraphParameters(SameDiff sd, DataType dataType, long seed) {
        this.sd = sd;
        this.dataType = dataType;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public SDVariable parameter(String name, long[] shape, ParameterInit init) {
        if (sd.hasVariable(name)) {
            throw new IllegalStateException("parameter '" + name + "' is defined twice");
        }
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] values = new double[Math.toIntExact(n)];
        init.fill(values, shape, rng);
        names.add(name);
        return sd.var(name, Nd4j.create(values, shape, DataType.DOUBLE).castTo(dataType));
    }

    /** The live arrays of the named variables of a graph, in the given order (what an optimiser updates in place). */
    public static java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> arrays(SameDiff sd, List<String> names) {
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> values = new java.util.LinkedHashMap<>();
        for (String name : names) {
            values.put(name, sd.getVariable(name).getArr());
        }
        return values;
    }

    /** The names of the variables created so far, in creation order. */
    public List<String> names() {
        return Collections.unmodifiableList(names);
    }
}
