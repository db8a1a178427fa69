package org.eqflow.core.target;

import java.util.Locale;

/**
 * Reads target names: {@code ring:R,σ} (default 2,0.2), {@code shell:d,R,σ}, {@code shells:d,R1,…,Rk,σ} (concentric
 * shells, equally weighted), {@code rings}, {@code circles},
 * {@code 8gaussians}, {@code checkerboard}, {@code moons}, {@code grid:k,spacing,σ} (default 3,2,0.2),
 * {@code doublewell:k} (k particles in the plane, default 4), the conditional {@code cring} and
 * {@code cshell:d,R0,R1,S0,S1} ({@link ConditionalShell}: rows {@code [x | c]}) and the densities of their {@code x}
 * alone, {@code cring-marginal} and {@code cshell-marginal:d,R0,R1,S0,S1}, and products of independent targets {@code A*B}
 * ({@link Product}, e.g. {@code ring:2,0.2*ring:1,0.15}).
 */
public final class Targets {
    private Targets() {
    }

    /** The target a spec names (see {@code eqflow data --help}); an unknown or malformed spec is refused with the choices. */
    public static Target parse(String spec) {
        if (spec.contains("*")) {
            java.util.List<Target> factors = new java.util.ArrayList<>();
            for (String part : spec.split("\\*", -1)) {
                if (part.isBlank() || part.contains("*")) {
                    throw new IllegalArgumentException("target '" + spec + "': a product is A*B with a target on each side of '*'");
                }
                Target factor = parse(part);
                if (factor.contextSize() > 0) {
                    throw new IllegalArgumentException("target '" + spec + "': a conditional target (" + part.trim()
                            + ") cannot be a factor of a product");
                }
                factors.add(factor);
            }
            return new Product(factors);
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        String name = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        double[] a = s.contains(":") ? numbers(spec, s.substring(s.indexOf(':') + 1)) : new double[0];
        return switch (name) {
            case "ring" -> a.length == 0 ? new Shell(2, 2, 0.2) : arity(spec, a, 2, new Shell(2, a[0], safe(a, 1)));
            case "shell" -> arity(spec, a, 3, a.length == 3 ? new Shell(integer(spec, a[0]), a[1], a[2]) : null);
            case "shells" -> {
                if (a.length < 3) {
                    throw new IllegalArgumentException("target '" + spec + "' takes D,R1,...,Rk,SIGMA (at least one radius), got "
                            + a.length + " number(s)");
                }
                yield new Shells(integer(spec, a[0]), java.util.Arrays.copyOfRange(a, 1, a.length - 1), a[a.length - 1]);
            }
            case "rings" -> arity(spec, a, 0, NoisyCircles.rings());
            case "circles" -> arity(spec, a, 0, NoisyCircles.circles());
            case "8gaussians" -> arity(spec, a, 0, GaussianMixture.eightGaussians());
            case "checkerboard" -> arity(spec, a, 0, new Checkerboard());
            case "moons" -> arity(spec, a, 0, new Moons());
            case "grid" -> a.length == 0 ? GaussianMixture.grid(3, 2, 0.2)
                    : arity(spec, a, 3, a.length == 3 ? GaussianMixture.grid(integer(spec, a[0]), a[1], a[2]) : null);
            case "cring" -> arity(spec, a, 0, new ConditionalShell(2, 2, 1, 0.2, 0.1));
            case "cshell" -> arity(spec, a, 5, a.length == 5 ? new ConditionalShell(integer(spec, a[0]), a[1], a[2], a[3], a[4]) : null);
            case "cring-marginal" -> arity(spec, a, 0, new ConditionalShell(2, 2, 1, 0.2, 0.1).marginal());
            case "cshell-marginal" -> arity(spec, a, 5, a.length == 5
                    ? new ConditionalShell(integer(spec, a[0]), a[1], a[2], a[3], a[4]).marginal() : null);
            case "doublewell" -> a.length == 0 ? new DoubleWell(4)
                    : arity(spec, a, 1, a.length == 1 ? new DoubleWell(integer(spec, a[0])) : null);
            default -> throw new IllegalArgumentException("unknown target '" + spec + "': use ring:R,SIGMA, shell:D,R,SIGMA, "
                    + "shells:D,R1,...,Rk,SIGMA, "
                    + "rings, circles, 8gaussians, checkerboard, moons, grid:K,SPACING,SIGMA "
                    + "doublewell:K, the conditional cring or cshell:D,R0,R1,S0,S1 (and their -marginal), "
                    + "or a product of independent ones A*B");
        };
    }

    private static Target arity(String spec, double[] a, int expected, Target t) {
        if (a.length != expected || t == null) {
            throw new IllegalArgumentException("target '" + spec + "' takes " + expected + " parameter(s), got " + a.length);
        }
        return t;
    }

    private static double safe(double[] a, int i) {
        return i < a.length ? a[i] : Double.NaN;
    }

    private static int integer(String spec, double v) {
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException("target '" + spec + "': " + v + " must be an integer");
        }
        return (int) v;
    }

    private static double[] numbers(String spec, String list) {
        String[] parts = list.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("target '" + spec + "': '" + parts[i].trim() + "' is not a number");
            }
        }
        return out;
    }
}
