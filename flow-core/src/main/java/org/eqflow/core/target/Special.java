package org.eqflow.core.target;

/** Special functions the target densities need, each accurate to about double precision where it matters. */
public final class Special {
    private Special() {
    }

    /** Complementary error function, via the continued fraction / series of the regularised gamma function. */
    static double erfc(double x) {
        if (x < 0) {
            return 2 - erfc(-x);
        }
        if (x < 0.5) {
            // Maclaurin series of erf.
            double sum = x;
            double term = x;
            double x2 = x * x;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        // Lentz continued fraction for erfc.
        double x2 = x * x;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 300; n++) {
            double an = n / 2.0;
            d = x + an * d;
            d = 1 / d;
            c = x + an / c;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x2) / (f * Math.sqrt(Math.PI));
    }

    /** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
    static double logGamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        x -= 1;
        double a = c[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) {
            a += c[i] / (x + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }

    /** log I0(z) for z ≥ 0, the modified Bessel function of order 0 (series below 15, asymptotic above). */
    static double logBesselI0(double z) {
        if (z < 15) {
            double sum = 1;
            double term = 1;
            double q = z * z / 4;
            for (int k = 1; k < 200; k++) {
                term *= q / ((double) k * k);
                sum += term;
                if (term < 1e-17 * sum) {
                    break;
                }
            }
            return Math.log(sum);
        }
        double s = 1;
        double term = 1;
        for (int k = 1; k < 30; k++) {
            double t = term * (2 * k - 1) * (2 * k - 1) / (8.0 * k * z);
            if (Math.abs(t) > Math.abs(term)) {
                break;
            }
            term = t;
            s += term;
            if (Math.abs(term) < 1e-17) {
                break;
            }
        }
        return z - 0.5 * Math.log(2 * Math.PI * z) + Math.log(s);
    }

    /** log Σ exp(v_i), stable. */
    public static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }
}
