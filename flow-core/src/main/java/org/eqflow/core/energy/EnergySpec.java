package org.eqflow.core.energy;

import java.util.regex.Pattern;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.plugin.UserClasses;

/**
 * Which learned energy a model uses for its potential {@code U(q)}, parsed once from its text form
 * ({@link #parse}, {@link #print}: a round trip):
 *
 * <ul>
 *   <li>{@code mlp}: the softplus MLP ({@link SoftplusMlp}; the radial one under the hard constraint);</li>
 *   <li>{@code class:NAME}: your own {@link Energy} with a public constructor
 *       {@code (ParameterSource params, String prefix, int dimension, int hidden)} (docs/generators.md,
 *       "Add your own energy"). It trains through the graph unless it comes with a fused kernel.</li>
 * </ul>
 */
public sealed interface EnergySpec permits EnergySpec.Mlp, EnergySpec.Custom {
    /** A Java class name: identifiers separated by dots, nested classes by {@code $}. */
    Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
    /** Longest class name a {@code class:NAME} spec accepts. */
    int MAX_CLASS_NAME = 1024;

    /** The built-in softplus MLP. */
    record Mlp() implements EnergySpec {
        @Override
        public String print() {
            return "mlp";
        }

        @Override
        public Energy create(ParameterSource params, String prefix, int dimension, int hidden) {
            return new SoftplusMlp(params, prefix, dimension, hidden);
        }
    }

    /** A user's energy class. */
    record Custom(String className) implements EnergySpec {
        public Custom {
            if (className == null || className.length() > MAX_CLASS_NAME || !CLASS_NAME.matcher(className).matches()) {
                throw new IllegalArgumentException("'" + className + "' is not a Java class name (class:com.example.MyEnergy)");
            }
        }

        @Override
        public String print() {
            return "class:" + className;
        }

        /** Loads the class without initialising it, checks that it is an {@link Energy}, then constructs it. */
        @Override
        public Energy create(ParameterSource params, String prefix, int dimension, int hidden) {
            Object o = UserClasses.construct("energy class", className, Energy.class::isAssignableFrom,
                    "does not implement " + Energy.class.getName(),
                    "constructor (ParameterSource params, String prefix, int dimension, int hidden)",
                    c -> c.getConstructor(ParameterSource.class, String.class, int.class, int.class)
                            .newInstance(params, prefix, dimension, hidden));
            Energy energy = (Energy) o;
            if (energy.dimension() != dimension) {
                throw new IllegalArgumentException("energy class '" + className + "' acts on dimension " + energy.dimension()
                        + " but the data has dimension " + dimension);
            }
            return energy;
        }
    }

    /** The spec's text form, which {@link #parse} reads back. */
    String print();

    /** Builds the energy, its parameters named {@code prefix…} from {@code params}. */
    Energy create(ParameterSource params, String prefix, int dimension, int hidden);

    /** Reads {@code mlp} or {@code class:NAME} (surrounding blanks ignored). */
    static EnergySpec parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equals("mlp")) {
            return new Mlp();
        }
        if (s.startsWith("class:")) {
            return new Custom(s.substring("class:".length()).trim());
        }
        throw new IllegalArgumentException("unknown energy '" + (s.length() > 80 ? s.substring(0, 80) + "…" : s)
                + "': use mlp or class:NAME");
    }
}
