package org.eqflow.core.symmetry;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eqflow.core.plugin.UserClasses;

/**
 * Symmetry specifications ({@link SymmetrySpec}) turned into symmetries: several specs make one
 * {@link CompositeSymmetry}. The text forms are described at {@link SymmetrySpec}.
 */
public final class Symmetries {
    private Symmetries() {
    }

    /** Parses and builds every spec; empty when there are none (or only {@code none}). */
    public static Optional<Symmetry> parse(List<String> specs, int dimension) {
        return build(SymmetrySpec.parseAll(specs, dimension), dimension);
    }

    /** Builds parsed specs into one symmetry; empty when there are none (or only {@code none}). */
    public static Optional<Symmetry> build(List<SymmetrySpec> specs, int dimension) {
        List<Symmetry> parts = new ArrayList<>();
        for (SymmetrySpec spec : specs) {
            spec.build(dimension).ifPresent(parts::add);
        }
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parts.size() == 1 ? parts.get(0) : new CompositeSymmetry(parts));
    }

    /** Parses and builds one spec; empty for {@code none}. */
    public static Optional<Symmetry> parseOne(String spec, int dimension) {
        return SymmetrySpec.parse(spec, dimension).build(dimension);
    }

    /**
     * The fully qualified class names that the {@code class:} specs among {@code specs} would construct,
     * read without loading anything (a model loader checks them against its allow-list first).
     */
    public static List<String> classNames(List<String> specs) {
        List<String> names = new ArrayList<>();
        for (String spec : specs) {
            String s = spec.trim();
            if (s.toLowerCase(Locale.ROOT).startsWith("class:")) {
                names.add(SymmetrySpec.parseUserClass(s).className());
            }
        }
        return names;
    }

    static Symmetry instantiate(String className, String args, int dimension) {
        Object o = UserClasses.construct("symmetry class", className,
                c -> Generator.class.isAssignableFrom(c) || Symmetry.class.isAssignableFrom(c),
                "implements neither " + Generator.class.getName() + " nor " + Symmetry.class.getName(),
                args != null ? "constructor (int dimension, String args) for the parameters '" + args + "'"
                        : "constructor taking (int dimension) or none",
                c -> args != null ? c.getConstructor(int.class, String.class).newInstance(dimension, args) : newInstance(c, dimension));
        // the type was checked before construction: o is a Symmetry or a Generator
        Symmetry sym = o instanceof Symmetry s ? s : new GeneratorSet(List.of((Generator) o));
        if (sym.dimension() != dimension) {
            throw new IllegalArgumentException("symmetry class '" + className + "' acts on dimension " + sym.dimension()
                    + " but the data has dimension " + dimension);
        }
        return sym;
    }

    private static Object newInstance(Class<?> c, int dimension) throws ReflectiveOperationException {
        try {
            Constructor<?> withDim = c.getConstructor(int.class);
            return withDim.newInstance(dimension);
        } catch (NoSuchMethodException e) {
            return c.getConstructor().newInstance();
        }
    }
}
