package org.eqflow.core.target;

import java.util.function.DoubleUnaryOperator;

/** Numerical integration with an error estimate, for the exact entropies of the targets. */
public final class Quadrature {
    private Quadrature() {
    }

    /** A value and a bound on its error (Richardson: the difference from half the resolution). */
    public record Result(double value, double errorBound) {
    }

    /** Composite Simpson on {@code [a, b]} with {@code n} (even) panels; error from comparison with {@code n/2}. */
    public static Result simpson(DoubleUnaryOperator f, double a, double b, int n) {
        double fine = simpsonRaw(f, a, b, n);
        double coarse = simpsonRaw(f, a, b, n / 2);
        return new Result(fine, Math.abs(fine - coarse) / 15 + Math.ulp(fine) * n);
    }

    private static double simpsonRaw(DoubleUnaryOperator f, double a, double b, int n) {
        if (n % 2 == 1) {
            n++;
        }
        double h = (b - a) / n;
        double s = f.applyAsDouble(a) + f.applyAsDouble(b);
        for (int i = 1; i < n; i++) {
            s += f.applyAsDouble(a + i * h) * (i % 2 == 0 ? 2 : 4);
        }
        return s * h / 3;
    }
}
