package org.eqflow.core.manifold;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.ModelState.NamedArray;
import org.eqflow.core.optim.Optimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weights of a manifold flow's potential network ({@code phiW1, phiB1, phiW2, phiB2, phiW3}) between the arrays
 * the flow owns, its saved state and its fused kernel ({@link DirectionalMlp}): one place for what both flows do.
 */
final class FlowWeights {
    private static final String[] NAMES = {"phiW1", "phiB1", "phiW2", "phiB2", "phiW3"};

    private FlowWeights() {
    }

    /** The shapes of the network's weights for F features and H hidden units, in creation order. */
    static Map<String, long[]> shapes(int features, int hidden) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("phiW1", new long[] {features, hidden});
        m.put("phiB1", new long[] {1, hidden});
        m.put("phiW2", new long[] {hidden, hidden});
        m.put("phiB2", new long[] {1, hidden});
        m.put("phiW3", new long[] {hidden, 1});
        return m;
    }

    /** Copies the current weights into the kernel's network. */
    static void load(Map<String, INDArray> weights, DirectionalMlp mlp) {
        double[][] into = {mlp.w1, mlp.b1, mlp.w2, mlp.b2, mlp.w3};
        for (int i = 0; i < NAMES.length; i++) {
            double[] v = weights.get(NAMES[i]).dup('c').data().asDouble();
            if (v.length != into[i].length) {
                throw new IllegalStateException("weight " + NAMES[i] + " has " + v.length + " values, the kernel expects " + into[i].length);
            }
            System.arraycopy(v, 0, into[i], 0, v.length);
        }
    }

    /** The kernel network's weight gradients by name (copies). */
    static Map<String, double[]> gradients(DirectionalMlp mlp) {
        double[][] g = {mlp.gw1, mlp.gb1, mlp.gw2, mlp.gb2, mlp.gw3};
        Map<String, double[]> out = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            out.put(NAMES[i], g[i].clone());
        }
        return out;
    }

    /** Snapshots of the weights ({@code [0]}) and the optimiser's moments ({@code [1]}) by name. */
    static List<Map<String, NamedArray>> snapshot(List<String> names, Map<String, INDArray> weights, Optimizer optimizer) {
        Map<String, NamedArray> p = new LinkedHashMap<>();
        Map<String, NamedArray> o = new LinkedHashMap<>();
        for (String name : names) {
            p.put(name, named(weights.get(name)));
            o.put(name, named(optimizer.moments().get(name)));
        }
        return List.of(p, o);
    }

    /** Writes saved weights and moments into a new flow's arrays, checking that each is there with its shape. */
    static void restore(List<String> names, Map<String, INDArray> weights, Optimizer optimizer, Map<String, NamedArray> parameters,
                        Map<String, NamedArray> moments) {
        if (parameters.size() != names.size()) {
            throw new IllegalArgumentException("the saved state has " + parameters.size() + " parameters but the "
                    + "configuration defines " + names.size());
        }
        for (String name : names) {
            NamedArray p = parameters.get(name);
            NamedArray m = moments.get(name);
            if (p == null || m == null) {
                throw new IllegalArgumentException("the saved state has no " + (p == null ? "weights" : "optimizer state")
                        + " for parameter " + name);
            }
            into(weights.get(name), p, name);
            into(optimizer.moments().get(name), m, "the optimizer state of " + name);
        }
    }

    private static NamedArray named(INDArray a) {
        return new NamedArray(a.shape(), a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }

    private static void into(INDArray target, NamedArray source, String what) {
        if (!Arrays.equals(target.shape(), source.shape())) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(source.shape()) + ", expected "
                    + Arrays.toString(target.shape()));
        }
        target.assign(Nd4j.create(source.data(), target.shape(), DataType.DOUBLE).castTo(target.dataType()));
    }
}
