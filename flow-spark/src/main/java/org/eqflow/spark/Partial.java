package org.eqflow.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eqflow.core.model.Objective;

/**
 * One partition's share of a training step's objective: its slice's loss, data term, constraints and gradients,
 * each already weighted by the slice's share of the batch's rows, so that partials add up to the batch's objective.
 */
final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;

    final double loss;
    final double dataTerm;
    final double[] constraints;
    final LinkedHashMap<String, double[]> gradients;

    private Partial(double loss, double dataTerm, double[] constraints, LinkedHashMap<String, double[]> gradients) {
        this.loss = loss;
        this.dataTerm = dataTerm;
        this.constraints = constraints;
        this.gradients = gradients;
    }

    /** A slice's objective (means over its {@code rows} rows) weighted by {@code rows / total}. */
    static Partial weighted(Objective o, long rows, long total) {
        double w = rows / (double) total;
        double[] c = o.constraints().clone();
        for (int k = 0; k < c.length; k++) {
            c[k] *= w;
        }
        LinkedHashMap<String, double[]> g = new LinkedHashMap<>();
        o.gradients().forEach((name, v) -> {
            double[] s = v.clone();
            for (int i = 0; i < s.length; i++) {
                s[i] *= w;
            }
            g.put(name, s);
        });
        return new Partial(w * o.loss(), w * o.dataTerm(), c, g);
    }

    /** The sum of two partials (in place into {@code a}, which the aggregation owns). */
    static Partial plus(Partial a, Partial b) {
        for (int k = 0; k < a.constraints.length; k++) {
            a.constraints[k] += b.constraints[k];
        }
        for (Map.Entry<String, double[]> e : a.gradients.entrySet()) {
            double[] x = e.getValue();
            double[] y = b.gradients.get(e.getKey());
            for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
            }
        }
        return new Partial(a.loss + b.loss, a.dataTerm + b.dataTerm, a.constraints, a.gradients);
    }

    /** The batch's objective, once every partition is summed in. */
    Objective objective() {
        return new Objective(loss, dataTerm, constraints, gradients);
    }
}
