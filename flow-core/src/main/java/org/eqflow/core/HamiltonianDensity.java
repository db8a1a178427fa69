package org.eqflow.core;

import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.objective.Iwae;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The log-density estimates of a Hamiltonian flow model (data units): the single-sample ELBO and the IWAE estimate
 * with its standard error, each with a defensive proposal for the rows where the encoder's proposal fails. Seeded:
 * the same call gives the same numbers. {@link EquivariantHamiltonianFlow#elbo} and
 * {@link EquivariantHamiltonianFlow#logDensity(INDArray, int, long)} are these.
 */
final class HamiltonianDensity {
    private static final int MAX_ROWS_PER_PASS = 65_536;
    /** An IWAE standard error above this means the weights collapsed onto about one sample. */
    private static final double COLLAPSED_STANDARD_ERROR = 0.9;

    private final EquivariantHamiltonianFlow model;

    HamiltonianDensity(EquivariantHamiltonianFlow model) {
        this.model = model;
    }

    /**
     * A single-sample ELBO for each point (data units), shape {@code [n]}; a non-finite value is drawn
     * again with the far-point proposal of {@link #logDensity} (one sample: from {@code N(0, I)}).
     */
    double[] elbo(INDArray x, long seed) {
        double[] w = elboInOwnPrecision(x, seed);
        Iwae.Estimate[] one = new Iwae.Estimate[w.length];
        for (int i = 0; i < w.length; i++) {
            one[i] = new Iwae.Estimate(w[i], Double.NaN);
        }
        one = withDefensiveProposal(one, x, 1, seed);
        for (int i = 0; i < w.length; i++) {
            w[i] = one[i].logDensity();
        }
        return w;
    }

    /** The same model in float64, same weights and state (far-point estimates). */
    private EquivariantHamiltonianFlow float64Twin() {
        ModelState s = model.state();
        FlowConfig wide = model.config().toBuilder().precision(FlowConfig.Precision.FLOAT64).build();
        return EquivariantHamiltonianFlow.restore(new ModelState(wide, s.parameters(), s.optimizer(), s.iteration(), s.learningRate(),
                s.consecutiveSkips(), s.multipliers(), s.multiplierAverages()));
    }

    private double[] elboInOwnPrecision(INDArray x, long seed) {
        INDArray q = model.toModelSpace(x);
        INDArray noise = Noise.gaussian(Noise.stream(seed, 0, Noise.Purpose.EVALUATION), q.rows(), model.config().dimension(), model.dataType());
        double[] w = model.logWeights(q, noise);
        double shift = model.config().logScaleJacobian();
        for (int i = 0; i < w.length; i++) {
            w[i] -= shift;
        }
        return w;
    }

    /**
     * The IWAE estimate of {@code log p(x)} (a conditional model's {@code log p(x | c)} of rows {@code [x | c]}) for each row (data units) with {@code m} importance samples,
     * and its Monte Carlo standard error. Seeded: the same call gives the same numbers.
     *
     * <p>Far from the data the estimate can fail: a float32 model's activations overflow (an encoder scale
     * {@code exp(log σ)}, a squared norm beyond 3.4e38), or the encoder's proposal is so wide that the
     * weights collapse onto one sample. Such rows are estimated again in float64 with a defensive proposal
     * ({@link #withDefensiveProposal}), so far points get large negative finite values; only a point
     * beyond double precision (|x| above about 1e150) gives a non-finite estimate.
     */
    Iwae.Estimate[] logDensity(INDArray x, int m, long seed) {
        return withDefensiveProposal(logDensityInOwnPrecision(x, m, seed), x, m, seed);
    }

    /**
     * Far from the data the encoder's proposal fails: its scale {@code exp(log σ(q))} grows with {@code |q|}
     * until the importance weights overflow or collapse onto one sample (standard error near 1, effective
     * sample size near 1), or a float32 model's activations overflow. Such rows (non-finite, or with a
     * standard error above {@value #COLLAPSED_STANDARD_ERROR}) are estimated again, in float64 with the same
     * weights, with the defensive mixture proposal
     * {@code r(p) = a·h(p|q) + (1−a)·N(0, I)} ({@code a = ½}; half the momenta drawn from each part) and
     * balance-heuristic weights {@code π(T⁻¹(q,p)) / r(p)} (Hesterberg 1995; Owen & Zhou 2000): an
     * importance sampler with any full-support proposal estimates the same {@code log p(q)}, and the
     * {@code N(0, I)} part keeps the weights bounded where {@code h} is useless.
     */
    private Iwae.Estimate[] withDefensiveProposal(Iwae.Estimate[] out, INDArray x, int m, long seed) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            if (failed(out[i])) {
                bad.add(i);
            }
        }
        if (bad.isEmpty()) {
            return out;
        }
        EquivariantHamiltonianFlow wide = model.dataType() == DataType.DOUBLE ? model : float64Twin();
        int d = model.config().dimension();
        int fromEncoder = m / 2;
        double a = (double) fromEncoder / m;
        double shift = model.config().logScaleJacobian();
        int rowsPerPass = Math.max(1, MAX_ROWS_PER_PASS / m);
        for (int start = 0; start < bad.size(); start += rowsPerPass) {
            List<Integer> pass = bad.subList(start, Math.min(bad.size(), start + rowsPerPass));
            int n = pass.size();
            // n blocks of m rows: each row's point repeated, its momenta drawn from its own seeded stream
            int width = model.config().rowWidth();
            INDArray points = Nd4j.create(DataType.DOUBLE, n, width);
            INDArray p = Nd4j.create(DataType.DOUBLE, (long) n * m, d);
            for (int k = 0; k < n; k++) {
                points.putRow(k, x.getRow(pass.get(k)).castTo(DataType.DOUBLE));
                p.get(interval((long) k * m, (long) (k + 1) * m), all()).assign(
                        Noise.gaussian(Noise.stream(seed, pass.get(k), Noise.Purpose.EVALUATION), m, d, DataType.DOUBLE));
            }
            INDArray model = wide.toModelSpace(points);
            INDArray q = Nd4j.create(DataType.DOUBLE, (long) n * m, width);
            for (int k = 0; k < n; k++) {
                q.get(interval((long) k * m, (long) (k + 1) * m), all()).assign(Nd4j.tile(model.getRow(k).reshape(1, width), m, 1));
            }
            if (fromEncoder > 0) {
                INDArray drawn = wide.encode(q, p).castTo(DataType.DOUBLE);
                for (int k = 0; k < n; k++) {
                    long first = (long) k * m;
                    p.get(interval(first, first + fromEncoder), all()).assign(drawn.get(interval(first, first + fromEncoder), all()));
                }
            }
            double[] logJoint = wide.logJoint(q, p).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            double[] logH = wide.encoderLogDensity(q, p).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            double[] pp = p.reshape(-1).toDoubleVector();
            double[] w = new double[m];
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < m; j++) {
                    int r = k * m + j;
                    double sq = 0;
                    for (int c = 0; c < d; c++) {
                        sq += pp[r * d + c] * pp[r * d + c];
                    }
                    double logNormal = -0.5 * sq - 0.5 * d * Math.log(2 * Math.PI);
                    double logR = a == 0 ? logNormal : logSumExp(Math.log(a) + logH[r], Math.log(1 - a) + logNormal);
                    w[j] = logJoint[r] - logR;
                    if (Double.isNaN(w[j])) {
                        w[j] = Double.NEGATIVE_INFINITY;  // an encoder draw at infinity, where π vanishes: weight 0
                    }
                }
                Iwae.Estimate e = Iwae.estimate(w);
                if (Double.isFinite(e.logDensity())) {
                    out[pass.get(k)] = new Iwae.Estimate(e.logDensity() - shift, e.standardError());
                }
            }
        }
        return out;
    }

    private static boolean failed(Iwae.Estimate e) {
        return !Double.isFinite(e.logDensity()) || e.standardError() > COLLAPSED_STANDARD_ERROR;
    }

    private static double logSumExp(double u, double v) {
        double max = Math.max(u, v);
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(Math.exp(u - max) + Math.exp(v - max));
    }

    private Iwae.Estimate[] logDensityInOwnPrecision(INDArray x, int m, long seed) {
        if (m < 1) {
            throw new IllegalArgumentException("the number of importance samples must be >= 1, got " + m);
        }
        INDArray q = model.toModelSpace(x);
        int n = (int) q.rows();
        int d = model.config().dimension();
        Iwae.Estimate[] out = new Iwae.Estimate[n];
        int pointsPerPass = Math.max(1, MAX_ROWS_PER_PASS / m);
        double shift = model.config().logScaleJacobian();
        for (int start = 0, chunk = 0; start < n; start += pointsPerPass, chunk++) {
            int count = Math.min(pointsPerPass, n - start);
            INDArray block = q.get(interval(start, start + count), all());
            INDArray repeated = Nd4j.tile(block, m, 1);
            INDArray noise = Noise.gaussian(Noise.stream(seed, start, Noise.Purpose.EVALUATION), (long) count * m, d, model.dataType());
            double[] w = model.logWeights(repeated, noise);
            double[] perPoint = new double[m];
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < m; k++) {
                    perPoint[k] = w[k * count + i];
                }
                Iwae.Estimate e = Iwae.estimate(perPoint);
                out[start + i] = new Iwae.Estimate(e.logDensity() - shift, e.standardError());
            }
        }
        return out;
    }

    private static INDArrayIndex all() {
        return NDArrayIndex.all();
    }

    private static INDArrayIndex interval(long from, long to) {
        return NDArrayIndex.interval(from, to);
    }
}
