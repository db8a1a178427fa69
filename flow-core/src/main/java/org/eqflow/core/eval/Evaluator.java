package org.eqflow.core.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.target.Target;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes an {@link EvaluationReport} on held-out points: ELBO and IWAE with standard errors, the paired
 * gap to a known target's entropy, the invariance error under the symmetry (transported IWAE over random
 * group elements, on at most {@value #INVARIANCE_POINTS} points), and the constraint violations and
 * multipliers per generator.
 */
public final class Evaluator {
    /** Points used for the invariance error, which costs {@code rotations + 1} IWAE passes. */
    public static final int INVARIANCE_POINTS = 1000;
    /** Random group elements per point for the invariance error. */
    public static final int ROTATIONS = 8;
    private static final int CONSTRAINT_SAMPLES = 4096;

    private Evaluator() {
    }

    /**
     * @param symmetry the symmetry for the invariance error (the model's own if empty); skipped if it has a non-linear generator
     * @param target   the true distribution, if known
     */
    public static EvaluationReport evaluate(EquivariantHamiltonianFlow model, INDArray x, int samples, long seed,
                                            Optional<Symmetry> symmetry, Optional<Target> target) {
        int n = (int) x.rows();
        double[] elbo = model.elbo(x, seed);
        Iwae.Estimate[] iwae = model.logDensity(x, samples, seed);
        double[] lp = new double[n];
        double mcVar = 0;
        for (int i = 0; i < n; i++) {
            lp[i] = iwae[i].logDensity();
            double se = iwae[i].standardError();
            mcVar += Double.isFinite(se) ? se * se : 0;
        }
        double iwaeMean = mean(lp);
        Double entropy = null;
        Double bound = null;
        Double gap = null;
        Double gapSe = null;
        if (target.isPresent()) {
            Target t = target.get();
            Target.Entropy h = t.entropy();
            entropy = h.nats();
            bound = h.errorBound();
            double[] diff = new double[n];
            for (int i = 0; i < n; i++) {
                diff[i] = t.logDensity(x.getRow(i).toDoubleVector()) - lp[i];
            }
            gap = mean(diff);
            gapSe = stderr(diff);
        }
        Optional<Symmetry> sym = symmetry.isPresent() ? symmetry : model.parts().symmetry();
        Double invariance = null;
        if (sym.isPresent() && sym.get().generators().stream().allMatch(g -> g.matrix().isPresent())) {
            INDArray subset = n > INVARIANCE_POINTS ? x.getRows(range(INVARIANCE_POINTS)) : x;
            invariance = TransportedIwae.invarianceError(model, sym.get(), subset, ROTATIONS, Math.min(samples, 64), seed);
        }
        Map<String, Double> constraint = new LinkedHashMap<>();
        Map<String, Double> multipliers = new LinkedHashMap<>();
        List<String> names = model.generatorNames();
        double[] c = model.constraintViolations(CONSTRAINT_SAMPLES, seed);
        double[] lambda = model.multipliers();
        for (int k = 0; k < names.size(); k++) {
            constraint.put(names.get(k), c[k]);
            if (k < lambda.length) {
                multipliers.put(names.get(k), lambda[k]);
            }
        }
        return new EvaluationReport(n, samples, mean(elbo), stderr(elbo), iwaeMean, stderr(lp), -iwaeMean, stderr(lp),
                Math.sqrt(mcVar) / n, target.map(Target::spec).orElse(null), entropy, bound, gap, gapSe, invariance,
                constraint, multipliers);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double stderr(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1) / v.length);
    }
}
