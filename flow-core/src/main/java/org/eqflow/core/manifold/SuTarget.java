package org.eqflow.core.manifold;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A conjugation-invariant density on SU(n) with respect to the normalised Haar measure,
 * <pre>
 *   p(U) = exp(S(U)) / Z,   S(U) = (β / n) Σ_k c_k Re tr U^k,
 * </pre>
 * the family of Boyda et al. (2021) used by the equivariant manifold flows paper (seed 003). Its log-normaliser,
 * entropy, the moments {@code E[Re tr U^k]} and the effective sample size of Haar proposals are computed by the
 * Weyl quadrature ({@link WeylIntegral}).
 *
 * <p>Built in: {@code su3:boyda1}, {@code su3:boyda2}, {@code su3:boyda3} (β = 9, c = (0.98, −0.63, −0.21),
 * (0.17, −0.65, 1.22), (1, 0, 0)) and the same for {@code su2:}; any other as {@code su<n>:beta,c1,c2,…}.
 *
 * @param name         the spec
 * @param n            the group SU(n)
 * @param beta         the inverse coupling β
 * @param coefficients {@code c_1, c_2, …}
 */
public record SuTarget(String name, int n, double beta, double[] coefficients) {
    /** Grid points per angle of the quadrature (SU(2): 1-D, SU(3): 2-D grid; converged to round-off for these targets). */
    static final int QUADRATURE_POINTS = 192;

    private static final List<double[]> BOYDA = List.of(new double[] {0.98, -0.63, -0.21}, new double[] {0.17, -0.65, 1.22},
            new double[] {1, 0, 0});

    /** Checks the arguments. */
    public SuTarget {
        if (n < 2 || n > WeylIntegral.MAX_N) {
            throw new IllegalArgumentException("SU(n) targets need 2 <= n <= " + WeylIntegral.MAX_N + ", got " + n);
        }
        if (!Double.isFinite(beta) || coefficients.length == 0 || coefficients.length > 8
                || Arrays.stream(coefficients).anyMatch(c -> !Double.isFinite(c))) {
            throw new IllegalArgumentException("an SU(n) target needs a finite β and 1 to 8 finite coefficients");
        }
        coefficients = coefficients.clone();
    }

    /**
     * Parses {@code su<n>:boyda1|boyda2|boyda3} or {@code su<n>:beta,c1,c2,…}.
     *
     * @param spec the spec
     * @return the target
     */
    public static SuTarget parse(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        if (!s.startsWith("su") || colon < 3) {
            throw new IllegalArgumentException("an SU(n) target is su<n>:boyda1|boyda2|boyda3 or su<n>:beta,c1,c2,…, got '" + spec + "'");
        }
        int n;
        try {
            n = Integer.parseInt(s.substring(2, colon));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "': su<n> needs a whole number n");
        }
        String rest = s.substring(colon + 1);
        if (rest.startsWith("boyda") && rest.length() == 6 && rest.charAt(5) >= '1' && rest.charAt(5) <= '3') {
            return new SuTarget(s, n, 9.0, BOYDA.get(rest.charAt(5) - '1'));
        }
        try {
            double[] v = Arrays.stream(rest.split(",")).mapToDouble(x -> Double.parseDouble(x.strip())).toArray();
            if (v.length < 2) {
                throw new IllegalArgumentException("'" + spec + "': give beta and at least one coefficient");
            }
            return new SuTarget(s, n, v[0], Arrays.copyOfRange(v, 1, v.length));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "': expected boyda1, boyda2, boyda3 or beta,c1,c2,… (numbers)");
        }
    }

    /**
     * {@code S} from the eigen-angles: {@code (β/n) Σ_k c_k Σ_j cos(k θ_j)}.
     *
     * @param theta the n eigen-angles
     * @return the unnormalised log-density
     */
    public double action(double[] theta) {
        double s = 0;
        for (int k = 0; k < coefficients.length; k++) {
            double sum = 0;
            for (double t : theta) {
                sum += Math.cos((k + 1) * t);
            }
            s += coefficients[k] * sum;
        }
        return beta / n * s;
    }

    /**
     * {@code S} of a matrix, from the traces of its powers.
     *
     * @param u a matrix of SU(n)
     * @return the unnormalised log-density
     */
    public double action(ComplexMatrix u) {
        double[][] t = u.powerTraces(coefficients.length);
        double s = 0;
        for (int k = 0; k < coefficients.length; k++) {
            s += coefficients[k] * t[k][0];
        }
        return beta / n * s;
    }

    /** @return {@code log Z = log ∫ exp(S) dU} (normalised Haar measure), by quadrature */
    public double logNormaliser() {
        return quadrature().logNormaliser();
    }

    /** @return the entropy {@code −E_p[log p] = log Z − E_p[S]} relative to the normalised Haar measure (≤ 0), nats */
    public double entropy() {
        WeylIntegral.Result r = quadrature(this::action);
        return r.logNormaliser() - r.expectations()[0];
    }

    /**
     * @param k the power
     * @return {@code E_p[Re tr U^k]}, by quadrature
     */
    public double meanReTrace(int k) {
        return quadrature(theta -> {
            double sum = 0;
            for (double t : theta) {
                sum += Math.cos(k * t);
            }
            return sum;
        }).expectations()[0];
    }

    /**
     * The effective sample size per draw of importance sampling with Haar proposals,
     * {@code (E[w])² / E[w²] = Z(S)² / Z(2S)}: the untrained flow's value.
     *
     * @return a number in (0, 1]
     */
    public double haarEss() {
        SuTarget doubled = new SuTarget(name + "×2", n, 2 * beta, coefficients);
        return Math.exp(2 * logNormaliser() - doubled.logNormaliser());
    }

    /**
     * A bound of {@code S} over SU(n): its largest value on the quadrature's angle grid plus the most it can rise
     * within half a grid step ({@code |∂S/∂θ_j| ≤ (2β/n) Σ_k k |c_k|} for each of the n − 1 free angles).
     *
     * @return {@code M ≥ max S}
     */
    public double actionBound() {
        int m = n == 2 ? 4 * QUADRATURE_POINTS : n == 3 ? QUADRATURE_POINTS : 48;
        double h = 2 * Math.PI / m;
        double max = Double.NEGATIVE_INFINITY;
        int[] idx = new int[n - 1];
        double[] theta = new double[n];
        long total = Math.round(Math.pow(m, n - 1));
        for (long p = 0; p < total; p++) {
            long rest = p;
            double sum = 0;
            for (int j = 0; j < n - 1; j++) {
                idx[j] = (int) (rest % m);
                rest /= m;
                theta[j] = idx[j] * h;
                sum += theta[j];
            }
            theta[n - 1] = -sum;
            max = Math.max(max, action(theta));
        }
        double slope = 0;
        for (int k = 0; k < coefficients.length; k++) {
            slope += (k + 1) * Math.abs(coefficients[k]);
        }
        return max + (n - 1) * (2 * Math.abs(beta) / n) * slope * h / 2;
    }

    /** Rejection sampling gives up below this acceptance rate. */
    static final double MIN_ACCEPTANCE = 1e-3;

    /**
     * Exact draws from the target: Haar draws accepted with probability {@code exp(S − M)}, M = {@link #actionBound}.
     *
     * @param count the number of draws
     * @param rng   the random source
     * @return the draws
     * @throws IllegalStateException when the acceptance rate {@code exp(log Z − M)} is below 1e-3 (a target too
     *                               peaked for rejection from Haar measure)
     */
    public java.util.List<ComplexMatrix> sample(int count, java.util.SplittableRandom rng) {
        double bound = actionBound();
        double acceptance = Math.exp(logNormaliser() - bound);
        if (!(acceptance >= MIN_ACCEPTANCE)) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "%s is too peaked to sample by rejection from "
                    + "Haar measure (acceptance %.2g); train a flow towards it (eqflow train --target %s) and sample the flow", name,
                    acceptance, name));
        }
        java.util.List<ComplexMatrix> out = new java.util.ArrayList<>(count);
        while (out.size() < count) {
            ComplexMatrix u = SpecialUnitary.haar(n, rng);
            if (rng.nextDouble() < Math.exp(action(u) - bound)) {
                out.add(u);
            }
        }
        return out;
    }

    @SafeVarargs
    private WeylIntegral.Result quadrature(ToDoubleFunction<double[]>... functions) {
        return WeylIntegral.integrate(n, n == 2 ? 4 * QUADRATURE_POINTS : n == 3 ? QUADRATURE_POINTS : 48, this::action, functions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SuTarget t && name.equals(t.name) && n == t.n && beta == t.beta && Arrays.equals(coefficients, t.coefficients);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(coefficients);
    }

    @Override
    public String toString() {
        return name;
    }
}
