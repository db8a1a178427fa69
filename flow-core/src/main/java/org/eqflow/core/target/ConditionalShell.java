package org.eqflow.core.target;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A conditional target {@code p(x | c)}: a context {@code c ~ U(−1, 1)} and, given it, a radial shell in {@code D}
 * dimensions ({@link Shell}) of radius {@code R(c) = R0 + R1 c} and width {@code σ(c) = S0 + S1 c}. Rows are
 * {@code [x | c]} ({@link #contextSize()} = 1); {@link #logDensity} is the exact {@code log p(x | c)} and
 * {@link #entropy} the conditional entropy {@code E_c H(x | c)} by quadrature over {@code c}. The density is
 * invariant under rotations of {@code x} at every context. {@link #marginal()} is the density of {@code x} alone,
 * {@code p(x) = ∫ p(x | c) p(c) dc}, the best an unconditional model can reach.
 *
 * <p>{@code cring} is {@code cshell:2,2,1,0.2,0.1}: rings of radius 1 to 3 and width 0.1 to 0.3.
 */
public record ConditionalShell(int dimension, double r0, double r1, double s0, double s1) implements Target {
    /** Simpson intervals over {@code c ∈ [−1, 1]} for the entropy and the marginal density. */
    private static final int CONTEXT_INTERVALS = 400;

    public ConditionalShell {
        if (dimension < 2) {
            throw new IllegalArgumentException("a conditional shell needs dimension >= 2, got " + dimension);
        }
        if (!(r0 - Math.abs(r1) > 0) || !Double.isFinite(r0 + r1)) {
            throw new IllegalArgumentException("the radius R0 + R1 c must stay > 0 for every c in [-1, 1]: need R0 > |R1|, got "
                    + r0 + ", " + r1);
        }
        if (!(s0 - Math.abs(s1) > 0) || !Double.isFinite(s0 + s1)) {
            throw new IllegalArgumentException("the width S0 + S1 c must stay > 0 for every c in [-1, 1]: need S0 > |S1|, got "
                    + s0 + ", " + s1);
        }
    }

    /** The shell of context {@code c}. */
    public Shell at(double c) {
        return new Shell(dimension, r0 + r1 * c, s0 + s1 * c);
    }

    @Override
    public int contextSize() {
        return 1;
    }

    /** A row {@code [x | c]}. */
    @Override
    public double[] sample(SplittableRandom rng) {
        double c = -1 + 2 * rng.nextDouble();
        double[] x = at(c).sample(rng);
        double[] row = java.util.Arrays.copyOf(x, dimension + 1);
        row[dimension] = c;
        return row;
    }

    /** {@code log p(x | c)} of a row {@code [x | c]}; a context outside {@code [−1, 1]} has no density ({@code −∞}). */
    @Override
    public double logDensity(double[] row) {
        if (row.length != dimension + 1) {
            throw new IllegalArgumentException("rows of " + spec() + " are [x | c] with " + (dimension + 1) + " values, got " + row.length);
        }
        double c = row[dimension];
        if (!(c >= -1 && c <= 1)) {
            return Double.NEGATIVE_INFINITY;
        }
        return at(c).logDensity(java.util.Arrays.copyOf(row, dimension));
    }

    /** {@code E_c H(x | c)}: Simpson's rule over {@code c}, each shell's entropy by its own quadrature. */
    @Override
    public Entropy entropy() {
        double[] inner = new double[1];
        Quadrature.Result h = Quadrature.simpson(c -> {
            Entropy e = at(c).entropy();
            inner[0] = Math.max(inner[0], e.errorBound());
            return 0.5 * e.nats();
        }, -1, 1, 64);
        return new Entropy(h.value(), h.errorBound() + inner[0]);
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "cshell:%d,%s,%s,%s,%s", dimension, r0, r1, s0, s1);
    }

    /** The density of {@code x} alone: what an unconditional model of this data can reach at best. */
    public Target marginal() {
        ConditionalShell conditional = this;
        return new Target() {
            @Override
            public int dimension() {
                return dimension;
            }

            @Override
            public double[] sample(SplittableRandom rng) {
                return java.util.Arrays.copyOf(conditional.sample(rng), dimension);
            }

            /** {@code log ∫ ½ p(x | c) dc}, Simpson's rule over {@code c} in log space. */
            @Override
            public double logDensity(double[] x) {
                int n = CONTEXT_INTERVALS;
                double[] terms = new double[n + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i <= n; i++) {
                    double c = -1 + 2.0 * i / n;
                    double w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                    terms[i] = Math.log(w * (2.0 / n) / 3 * 0.5) + at(c).logDensity(x);
                    max = Math.max(max, terms[i]);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    return max;
                }
                double s = 0;
                for (double t : terms) {
                    s += Math.exp(t - max);
                }
                return max + Math.log(s);
            }

            @Override
            public Entropy entropy() {
                return MonteCarlo.entropy(this);
            }

            @Override
            public String spec() {
                return conditional.spec().replace("cshell:", "cshell-marginal:");
            }
        };
    }
}
