package org.eqflow.core.target;

import java.util.Locale;
import org.eqflow.core.plugin.UserClasses;

/**
 * Reads energy names ({@code --energy}): {@code ring:R,σ} (default 2,0.2) and {@code shell:D,R,σ}
 * ({@link RadialWell}), {@code dw4} or {@code dw:K} ({@link ParticleDoubleWell}), and
 * {@code class:com.example.MyEnergy[:ARGS]} — a user's class implementing {@link UnnormalisedTarget}, with a
 * public constructor taking no argument, or a {@code String} when arguments are given. A user class is
 * constructed only from a spec the caller passes here (never from a model file).
 */
public final class UnnormalisedTargets {
    private UnnormalisedTargets() {
    }

    /** The energy a spec names; an unknown or malformed spec is refused with the choices. */
    public static UnnormalisedTarget parse(String spec) {
        String trimmed = spec.trim();
        if (trimmed.startsWith("class:")) {
            return userClass(trimmed.substring("class:".length()));
        }
        String s = trimmed.toLowerCase(Locale.ROOT);
        String name = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        String args = s.contains(":") ? s.substring(s.indexOf(':') + 1) : "";
        double[] a = args.isEmpty() ? new double[0] : numbers(spec, args);
        return switch (name) {
            case "ring" -> a.length == 0 ? new RadialWell(2, 2, 0.2) : arity(spec, a, 2, () -> new RadialWell(2, a[0], a[1]));
            case "shell" -> arity(spec, a, 3, () -> new RadialWell(integer(spec, a[0]), a[1], a[2]));
            case "dw4" -> arity(spec, a, 0, () -> new ParticleDoubleWell(4));
            case "dw" -> arity(spec, a, 1, () -> new ParticleDoubleWell(integer(spec, a[0])));
            default -> throw new IllegalArgumentException("unknown energy '" + spec + "': use ring:R,SIGMA, shell:D,R,SIGMA, dw4, "
                    + "dw:K or class:com.example.MyEnergy (a class implementing " + UnnormalisedTarget.class.getName() + ")");
        };
    }

    private static UnnormalisedTarget userClass(String rest) {
        int colon = rest.indexOf(':');
        String className = colon < 0 ? rest : rest.substring(0, colon);
        String args = colon < 0 ? null : rest.substring(colon + 1);
        if (className.isBlank()) {
            throw new IllegalArgumentException("energy 'class:' needs a class name, e.g. class:com.example.MyEnergy");
        }
        return (UnnormalisedTarget) UserClasses.construct("energy class", className, UnnormalisedTarget.class::isAssignableFrom,
                "does not implement " + UnnormalisedTarget.class.getName(),
                args == null ? "constructor taking no argument" : "constructor taking the argument string (String)",
                type -> args == null ? type.getConstructor().newInstance() : type.getConstructor(String.class).newInstance(args));
    }

    private static UnnormalisedTarget arity(String spec, double[] a, int expected, java.util.function.Supplier<UnnormalisedTarget> make) {
        if (a.length != expected) {
            throw new IllegalArgumentException("energy '" + spec + "' takes " + expected + " parameter(s), got " + a.length);
        }
        return make.get();
    }

    private static int integer(String spec, double v) {
        if (v != Math.rint(v) || Math.abs(v) > 1e6) {
            throw new IllegalArgumentException("energy '" + spec + "': " + v + " must be an integer");
        }
        return (int) v;
    }

    private static double[] numbers(String spec, String list) {
        String[] parts = list.split(",", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("energy '" + spec + "': '" + parts[i].trim() + "' is not a number");
            }
            if (!Double.isFinite(out[i])) {
                throw new IllegalArgumentException("energy '" + spec + "': '" + parts[i].trim() + "' is not a finite number");
            }
        }
        return out;
    }
}
