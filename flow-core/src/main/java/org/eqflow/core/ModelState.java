package org.eqflow.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue a model exactly: configuration, weights, optimiser state, multipliers
 * and their moving averages, the iteration counter and the current learning rate. All noise derives from
 * {@code (config.seed, iteration)}, so no random-generator state is needed beyond these.
 *
 * @param parameters   weights by name, in graph creation order, as {@code double} arrays with shapes
 * @param optimizer    Adam state (first and second moments, flattened) by parameter name
 */
public record ModelState(
        FlowConfig config,
        Map<String, NamedArray> parameters,
        Map<String, NamedArray> optimizer,
        long iteration,
        double learningRate,
        int consecutiveSkips,
        double[] multipliers,
        double[] multiplierAverages) {

    /** A plain array with its shape, independent of ND4J. */
    public record NamedArray(long[] shape, double[] data) {
        public NamedArray {
            long n = 1;
            for (long s : shape) {
                if (s < 0) {
                    throw new IllegalArgumentException("negative dimension in shape");
                }
                n *= s;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape holds " + n + " values but the data has " + data.length);
            }
        }
    }

    public ModelState {
        parameters = new LinkedHashMap<>(parameters);
        optimizer = new LinkedHashMap<>(optimizer);
    }
}
