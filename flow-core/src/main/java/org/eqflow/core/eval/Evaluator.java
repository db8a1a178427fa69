package org.eqflow.core.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.Noise;
import org.eqflow.core.finite.FiniteFlow;
import org.eqflow.core.group.Group;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.symmetry.Symmetry;
import org.eqflow.core.target.Target;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Computes an {@link EvaluationReport} on held-out points of any {@link DensityModel}: ELBO and IWAE with
 * standard errors (both the exact log-density for a model that has one), the paired gap to a known target's
 * entropy, the invariance error (on the first {@value #INVARIANCE_POINTS} points: the spread of
 * {@code log p(R x)} over group elements — {@value #ROTATIONS} random elements of a Hamiltonian flow's own symmetry
 * with transported IWAE, or every element of a given finite group, or {@value #ROTATIONS} spread ones of a
 * continuous group), and for a Hamiltonian flow the constraint violations and multipliers per generator.
 *
 * <p>Points may arrive in chunks ({@link #add}), so files of any size are evaluated in bounded memory.
 */
public final class Evaluator {
    /** Points used for the invariance error, which costs {@code rotations + 1} IWAE passes each. */
    public static final int INVARIANCE_POINTS = 1000;
    /** Random group elements per point for the invariance error. */
    public static final int ROTATIONS = 8;
    private static final int CONSTRAINT_SAMPLES = 4096;

    private final DensityModel model;
    private final EquivariantHamiltonianFlow hamiltonian;
    private final int samples;
    private final long seed;
    private final Optional<Symmetry> symmetry;
    private final Optional<Group> group;
    private boolean exact = true;
    private final Optional<Target> target;
    private final Moments elbo = new Moments();
    private final Moments iwae = new Moments();
    private final Moments gap = new Moments();
    private double monteCarloVariance;
    private double equivariance;
    private boolean equivarianceMeasured;
    private double invarianceSum;
    private int invarianceCount;
    /** Factors of a direct-product symmetry, measured one by one ({@link Disentanglement}); empty: none. */
    private List<String> factorSpecs = List.of();
    private List<Symmetry> factors = List.of();
    private double[] factorEquivariance = new double[0];
    private double[] factorLeak = new double[0];
    private long chunks;
    /** A conditional model's contexts of the first chunk: the constraint is measured at them. */
    private INDArray contexts;

    /**
     * @param symmetry the symmetry for the invariance error (the model's own if empty); skipped when a
     *                 generator is not linear
     * @param target   the true distribution, if known
     */
    public Evaluator(EquivariantHamiltonianFlow model, int samples, long seed, Optional<Symmetry> symmetry, Optional<Target> target) {
        this(model, samples, seed, symmetry.isPresent() ? symmetry : model.parts().symmetry(), Optional.empty(), target);
    }

    private Evaluator(DensityModel model, int samples, long seed, Optional<Symmetry> symmetry, Optional<Group> group,
                      Optional<Target> target) {
        this.model = model;
        this.hamiltonian = model instanceof EquivariantHamiltonianFlow h ? h : null;
        this.samples = samples;
        this.seed = seed;
        this.symmetry = symmetry;
        this.group = group;
        this.target = target;
        if (hamiltonian != null) {
            List<String> own = hamiltonian.config().symmetries().stream().filter(spec -> !"none".equals(spec.trim())).toList();
            if (own.size() >= 2) {
                factors(own);
            }
        }
    }

    /**
     * Measures each of these factors on its own ({@link Disentanglement}: the map's equivariance error and its
     * leak into the other coordinates), e.g. the data's true factorisation for a model built with another one.
     * By default a Hamiltonian flow's own symmetry specs when it has two or more. Call before adding points.
     *
     * @param specs symmetry specs, one per factor ({@code so2:0,1}, {@code so2:2,3}, ...), each linear
     * @return this
     */
    public Evaluator factors(List<String> specs) {
        if (hamiltonian == null) {
            throw new IllegalArgumentException("factors are measured on the Hamiltonian flow's map; this model is a "
                    + model.getClass().getSimpleName());
        }
        List<Symmetry> built = new java.util.ArrayList<>();
        for (String spec : specs) {
            Symmetry f = org.eqflow.core.symmetry.Symmetries.parseOne(spec, model.dimension())
                    .orElseThrow(() -> new IllegalArgumentException("a factor must be a symmetry, got '" + spec + "'"));
            if (!f.generators().stream().allMatch(g -> g.matrix().isPresent())) {
                throw new IllegalArgumentException("factor " + spec + " is not linear: its elements cannot be applied as matrices");
            }
            built.add(f);
        }
        factorSpecs = List.copyOf(specs);
        factors = List.copyOf(built);
        factorEquivariance = new double[specs.size()];
        factorLeak = new double[specs.size()];
        return this;
    }

    /**
     * An evaluator of any model whose invariance error is measured under {@code group} (for example a target's
     * true symmetry); with an empty {@code group}, under the model's own group (a finite flow's) or symmetry
     * (a Hamiltonian flow's).
     */
    public static Evaluator underGroup(DensityModel model, int samples, long seed, Optional<Group> group, Optional<Target> target) {
        boolean trivial = !(model instanceof FiniteFlow f) || f.group().isFinite() && f.group().order() == 1;
        Optional<Group> g = group.isPresent() || trivial ? group : Optional.of(((FiniteFlow) model).group());
        Optional<Symmetry> s = g.isEmpty() && model instanceof EquivariantHamiltonianFlow h ? h.parts().symmetry() : Optional.empty();
        return new Evaluator(model, samples, seed, s, g, target);
    }

    /** Evaluates all points at once. */
    public static EvaluationReport evaluate(EquivariantHamiltonianFlow model, INDArray x, int samples, long seed,
                                            Optional<Symmetry> symmetry, Optional<Target> target) {
        Evaluator e = new Evaluator(model, samples, seed, symmetry, target);
        e.add(x);
        return e.report();
    }

    /** Evaluates all points of any model at once, the invariance error under {@code group} (see {@link #underGroup}). */
    public static EvaluationReport evaluateUnderGroup(DensityModel model, INDArray x, int samples, long seed, Optional<Group> group,
                                                      Optional<Target> target) {
        Evaluator e = underGroup(model, samples, seed, group, target);
        e.add(x);
        return e.report();
    }

    /** Adds a chunk of points (data units). Each chunk gets its own noise stream. */
    private long rowsSeen;

    /**
     * Adds a chunk of points (data units).
     *
     * @throws IllegalStateException naming the row when an estimate is not finite (nothing of the chunk is added)
     */
    public void add(INDArray x) {
        long chunkSeed = seed + 1_000_003L * chunks++;
        int n = (int) x.rows();
        double[] elbos = model.elbo(x, chunkSeed);
        Iwae.Estimate[] est = model.logDensity(x, samples, chunkSeed);
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(elbos[i]) || !Double.isFinite(est[i].logDensity())) {
                throw new IllegalStateException("data row " + (rowsSeen + i + 1) + ": the log-density estimate is not finite ("
                        + (Double.isFinite(est[i].logDensity()) ? "ELBO " + elbos[i] : "IWAE " + est[i].logDensity())
                        + "): the point lies beyond the range the model can score even in double precision; "
                        + "nothing was reported");
            }
        }
        rowsSeen += n;
        if (hamiltonian != null && hamiltonian.config().conditional() && contexts == null) {
            int d = hamiltonian.dimension();
            contexts = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(n, CONSTRAINT_SAMPLES)),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(d, d + hamiltonian.config().contextSize())).dup();
        }
        for (double v : elbos) {
            elbo.add(v);
        }
        for (int i = 0; i < n; i++) {
            iwae.add(est[i].logDensity());
            double se = est[i].standardError();
            exact &= se == 0;
            monteCarloVariance += Double.isFinite(se) ? se * se : 0;
            if (target.isPresent()) {
                gap.add(target.get().logDensity(x.getRow(i).toDoubleVector()) - est[i].logDensity());
            }
        }
        int room = INVARIANCE_POINTS - invarianceCount;
        boolean linear = symmetry.isPresent() && symmetry.get().generators().stream().allMatch(g -> g.matrix().isPresent());
        if (room > 0 && (group.isPresent() || (linear && hamiltonian != null))) {
            int take = Math.min(room, n);
            INDArray subset = take == n ? x : x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, take),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            double err;
            if (group.isPresent() && hamiltonian != null) {
                err = TransportedIwae.invarianceError(hamiltonian, group.get().probe(ROTATIONS), subset, Math.min(samples, 64), chunkSeed);
            } else if (group.isPresent()) {
                err = groupSpread(subset, group.get().probe(ROTATIONS), chunkSeed);
            } else {
                err = TransportedIwae.invarianceError(hamiltonian, symmetry.get(), subset, ROTATIONS, Math.min(samples, 64), chunkSeed);
                INDArray q = hamiltonian.toModelSpace(subset);
                java.util.SplittableRandom rng = Noise.stream(chunkSeed, 1, Noise.Purpose.EVALUATION);
                double[][] p = new double[take][hamiltonian.dimension()];
                for (double[] row : p) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = rng.nextGaussian();
                    }
                }
                INDArray momenta = Nd4j.create(p).castTo(q.dataType());
                INDArray[] end = hamiltonian.forward(q, momenta);  // T(s), shared by the whole group's and each factor's measurement
                equivariance = Math.max(equivariance, FlowEquivariance.errorAndLeak(hamiltonian, q, momenta, end,
                        TransportedIwae.randomElements(symmetry.get(), ROTATIONS, chunkSeed), new boolean[hamiltonian.dimension()])[0]);
                equivarianceMeasured = true;
                for (int f = 0; f < factors.size(); f++) {
                    Disentanglement.Factor m = Disentanglement.measure(hamiltonian, q, momenta, end, factors.get(f), ROTATIONS, chunkSeed + f + 1);
                    factorEquivariance[f] = Math.max(factorEquivariance[f], m.equivarianceError());
                    factorLeak[f] = Math.max(factorLeak[f], m.leak());
                }
            }
            invarianceSum += err * take;
            invarianceCount += take;
        }
    }

    /** The mean over points of the spread of {@code log p(R x)} over the elements (rotations about the model's centre). */
    private double groupSpread(INDArray x, List<double[][]> elements, long chunkSeed) {
        INDArray centre = centre().castTo(x.dataType());
        double[][] lp = new double[elements.size() + 1][];
        lp[0] = logDensities(x, chunkSeed);
        for (int e = 0; e < elements.size(); e++) {
            INDArray r = Nd4j.create(elements.get(e)).castTo(x.dataType());
            lp[e + 1] = logDensities(x.subRowVector(centre).mmul(r.transpose()).addiRowVector(centre), chunkSeed);
        }
        return TransportedIwae.spread(lp);
    }

    private double[] logDensities(INDArray x, long chunkSeed) {
        return java.util.Arrays.stream(model.logDensity(x, Math.min(samples, 64), chunkSeed))
                .mapToDouble(Iwae.Estimate::logDensity).toArray();
    }

    /** The point the group acts about (the model's centre), as a row. */
    private INDArray centre() {
        double[] c = model instanceof FiniteFlow r ? r.config().centre().stream().mapToDouble(Double::doubleValue).toArray()
                : new double[model.dimension()];
        return Nd4j.create(c, new long[] {1, c.length}, DataType.DOUBLE);
    }

    /** The report over every point added so far. */
    public EvaluationReport report() {
        if (iwae.count() == 0) {
            throw new IllegalStateException("no points were evaluated");
        }
        Map<String, Double> constraint = new LinkedHashMap<>();
        Map<String, Double> multipliers = new LinkedHashMap<>();
        List<String> names = hamiltonian == null ? List.of() : hamiltonian.generatorNames();
        double[] c = hamiltonian == null ? new double[0] : hamiltonian.constraintViolations(CONSTRAINT_SAMPLES, seed, contexts);
        double[] lambda = hamiltonian == null ? new double[0] : hamiltonian.multipliers();
        for (int k = 0; k < names.size(); k++) {
            constraint.put(names.get(k), c[k]);
            if (k < lambda.length) {
                multipliers.put(names.get(k), lambda[k]);
            }
        }
        Target.Entropy h = target.map(Target::entropy).orElse(null);
        return new EvaluationReport((int) iwae.count(), samples, elbo.mean(), elbo.stderr(), iwae.mean(), iwae.stderr(),
                -iwae.mean(), iwae.stderr(), Math.sqrt(monteCarloVariance) / iwae.count(),
                target.map(Target::spec).orElse(null), h == null ? null : h.nats(), h == null ? null : h.errorBound(),
                h == null ? null : gap.mean(), h == null ? null : gap.stderr(),
                invarianceCount > 0 ? invarianceSum / invarianceCount : null,
                invarianceCount == 0 ? null : group.map(Group::spec).orElseGet(() -> hamiltonian == null ? null
                        : String.join(" ", hamiltonian.config().symmetries())),
                equivarianceMeasured ? equivariance : null, factorReport(), exact, constraint, multipliers);
    }

    /** Per factor: its equivariance error and leak, when measured. */
    private Map<String, EvaluationReport.FactorReport> factorReport() {
        if (factors.isEmpty() || !equivarianceMeasured) {
            return null;
        }
        Map<String, EvaluationReport.FactorReport> out = new LinkedHashMap<>();
        for (int f = 0; f < factors.size(); f++) {
            out.put(factorSpecs.get(f), new EvaluationReport.FactorReport(factorEquivariance[f], factorLeak[f]));
        }
        return out;
    }
}
