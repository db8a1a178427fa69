package org.eqflow.core.base;

import java.util.Locale;
import java.util.SplittableRandom;
import org.eqflow.core.graph.StableOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The soft-uniform density of the paper's footnote 6, per coordinate
 *
 * <pre>
 *   f(x) = log σ(β(x + w/2)) + log σ(−β(x − w/2)) − log Z,     Z = w / (1 − e^{−βw})
 * </pre>
 *
 * with {@code σ} the logistic sigmoid and {@code w} the width: a box of width {@code w} with logistic
 * edges of sharpness {@code β}. {@code Z} is exact: the density equals the convolution of
 * Uniform(−w/2, w/2) with Logistic(0, 1/β), which is also how it is sampled. It is not rotation
 * invariant; it serves the multimodal experiment.
 */
public record SoftUniform(double width, double beta) implements BaseDensity {

    public SoftUniform {
        if (!(width > 0) || !(beta > 0) || Double.isInfinite(width) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("soft-uniform needs width > 0 and beta > 0, got width="
                    + width + ", beta=" + beta);
        }
    }

    /** {@code log Z = log w − log(1 − e^{−βw})}. */
    public double logNormaliser() {
        return Math.log(width) - Math.log(-Math.expm1(-beta * width));
    }

    @Override
    public double logDensityCoordinate(double x) {
        return logSigmoid(beta * (x + width / 2)) + logSigmoid(-beta * (x - width / 2)) - logNormaliser();
    }

    @Override
    public SDVariable logDensityCoordinate(SameDiff sd, SDVariable x) {
        SDVariable left = StableOps.logSigmoid(sd, x.add(width / 2).mul(beta));
        SDVariable right = StableOps.logSigmoid(sd, x.sub(width / 2).mul(-beta));
        return left.add(right).sub(logNormaliser());
    }

    /** {@code f'(x) = β σ(−β(x + w/2)) − β σ(β(x − w/2))}. */
    @Override
    public SDVariable gradLogDensityCoordinate(SameDiff sd, SDVariable x) {
        SDVariable left = sd.nn.sigmoid(x.add(width / 2).mul(-beta));
        SDVariable right = sd.nn.sigmoid(x.sub(width / 2).mul(beta));
        return left.sub(right).mul(beta);
    }

    @Override
    public double gradLogDensityCoordinate(double x) {
        return beta * (sigmoid(-beta * (x + width / 2)) - sigmoid(beta * (x - width / 2)));
    }

    @Override
    public double sampleCoordinate(SplittableRandom rng) {
        double u = rng.nextDouble();
        while (u == 0.0) {
            u = rng.nextDouble();
        }
        double logistic = Math.log(u / (1 - u)) / beta;
        return (rng.nextDouble() - 0.5) * width + logistic;
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "soft-uniform:%s,%s", width, beta);
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static double logSigmoid(double z) {
        return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
    }
}
