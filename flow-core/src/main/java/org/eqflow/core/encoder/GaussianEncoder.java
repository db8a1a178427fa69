package org.eqflow.core.encoder;

import org.eqflow.core.graph.ParameterInit;
import org.eqflow.core.graph.ParameterSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The momentum encoder {@code h(p|q) = N(p; μ(q), diag σ(q)²)}, with {@code μ} and {@code log σ} relu
 * MLPs {@code [d, h, h, d]} (docs/maths.md, "Leap-Frog and the flow" and "Densities"). Sampling is reparameterised, {@code p = μ + σ ⊙ ε} with
 * {@code ε ~ N(0, I)} fed in, so the noise is an input and gradients flow through {@code μ} and {@code σ}.
 */
public final class GaussianEncoder {
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private final Mlp mean;
    private final Mlp logScale;

    /** A momentum draw and its log-density {@code log h(p|q)}, shape {@code [B]}. */
    public record Draw(SDVariable p, SDVariable logDensity) {
    }

    /** The encoder whose mean and log-scale MLPs (width {@code hidden}) are named {@code prefix + "Mu"} and {@code prefix + "Sigma"}. */
    public GaussianEncoder(ParameterSource params, String prefix, int dimension, int hidden) {
        this(params, prefix, dimension, hidden, 0);
    }

    /**
     * The encoder {@code h(p | q, c)} of a conditional model when {@code contextSize > 0}: the context enters the first
     * layer of both MLPs ({@code V1} named {@code prefix + "MuV1"}, {@code prefix + "SigmaV1"}); use it through {@link #given}.
     */
    public GaussianEncoder(ParameterSource params, String prefix, int dimension, int hidden, int contextSize) {
        this.mean = new Mlp(params, prefix + "Mu", dimension, hidden, contextSize);
        this.logScale = new Mlp(params, prefix + "Sigma", dimension, hidden, contextSize);
    }

    private GaussianEncoder(Mlp mean, Mlp logScale) {
        this.mean = mean;
        this.logScale = logScale;
    }

    /** This encoder conditioned on the context {@code [B, k]} (itself when it has no context weights). */
    public GaussianEncoder given(SameDiff sd, SDVariable context) {
        return mean.v1 == null ? this : new GaussianEncoder(mean.given(context), logScale.given(context));
    }

    /** Draws {@code p = μ(q) + σ(q) ⊙ ε} and returns it with {@code log h(p|q) = Σ_j (−ε_j²/2 − log σ_j) − (d/2) log 2π}. */
    public Draw sample(SameDiff sd, SDVariable q, SDVariable noise) {
        SDVariable mu = mean.apply(sd, q);
        SDVariable logSigma = logScale.apply(sd, q);
        SDVariable p = mu.add(sd.math.exp(logSigma).mul(noise));
        SDVariable logH = noise.mul(noise).mul(-0.5).sub(logSigma).sub(HALF_LOG_2PI).sum(1);
        return new Draw(p, logH);
    }

    /** {@code log h(p|q)} of a given momentum, shape {@code [B]}. */
    public SDVariable logDensity(SameDiff sd, SDVariable q, SDVariable p) {
        SDVariable logSigma = logScale.apply(sd, q);
        SDVariable z = p.sub(mean.apply(sd, q)).mul(sd.math.exp(logSigma.neg()));
        return z.mul(z).mul(-0.5).sub(logSigma).sub(HALF_LOG_2PI).sum(1);
    }

    /** A relu MLP {@code [d, h, h, d]}. */
    private static final class Mlp {
        private final SDVariable w1;
        private final SDVariable b1;
        private final SDVariable w2;
        private final SDVariable b2;
        private final SDVariable w3;
        private final SDVariable b3;
        private final SDVariable v1;
        private final SDVariable rowBias;

        Mlp(ParameterSource params, String prefix, int dimension, int hidden, int contextSize) {
            w1 = params.parameter(prefix + "W1", new long[] {dimension, hidden}, ParameterInit.lecun());
            b1 = params.parameter(prefix + "b1", new long[] {1, hidden}, ParameterInit.bias(dimension));
            w2 = params.parameter(prefix + "W2", new long[] {hidden, hidden}, ParameterInit.lecun());
            b2 = params.parameter(prefix + "b2", new long[] {1, hidden}, ParameterInit.bias(hidden));
            w3 = params.parameter(prefix + "W3", new long[] {hidden, dimension}, ParameterInit.lecun());
            b3 = params.parameter(prefix + "b3", new long[] {1, dimension}, ParameterInit.bias(hidden));
            v1 = contextSize > 0 ? params.parameter(prefix + "V1", new long[] {contextSize, hidden}, ParameterInit.lecun()) : null;
            rowBias = null;
        }

        private Mlp(Mlp m, SDVariable rowBias) {
            w1 = m.w1;
            b1 = m.b1;
            w2 = m.w2;
            b2 = m.b2;
            w3 = m.w3;
            b3 = m.b3;
            v1 = m.v1;
            this.rowBias = rowBias;
        }

        Mlp given(SDVariable context) {
            return new Mlp(this, context.mmul(v1));
        }

        SDVariable apply(SameDiff sd, SDVariable x) {
            if (v1 != null && rowBias == null) {
                throw new IllegalStateException("a conditional encoder needs its context: use given(sd, context)");
            }
            SDVariable a1 = x.mmul(w1).add(b1);
            SDVariable h1 = sd.nn.relu(rowBias == null ? a1 : a1.add(rowBias), 0.0);
            SDVariable h2 = sd.nn.relu(h1.mmul(w2).add(b2), 0.0);
            return h2.mmul(w3).add(b3);
        }
    }
}
