package org.eqflow.core.symmetry;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
                names.add(classSpec(s).name());
            }
        }
        return names;
    }

    /** {@code class:NAME[:ARGS]}, split; {@code args} is null without parameters. */
    private record ClassSpec(String name, String args) {
    }

    private static ClassSpec classSpec(String trimmed) {
        String rest = trimmed.substring("class:".length()).trim();
        int colon = rest.indexOf(':');
        return colon < 0 ? new ClassSpec(rest, null) : new ClassSpec(rest.substring(0, colon).trim(), rest.substring(colon + 1));
    }

    static Symmetry instantiate(String className, String args, int dimension) {
        Object o;
        try {
            // Load without initialising, and check the type before any static initialiser or constructor runs.
            Class<?> c = Class.forName(className, false, Thread.currentThread().getContextClassLoader());
            if (!Generator.class.isAssignableFrom(c) && !Symmetry.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException("symmetry class '" + className + "' implements neither "
                        + Generator.class.getName() + " nor " + Symmetry.class.getName() + "; nothing was constructed");
            }
            o = args != null ? c.getConstructor(int.class, String.class).newInstance(dimension, args) : newInstance(c, dimension);
        } catch (ExceptionInInitializerError e) {
            throw new IllegalArgumentException("symmetry class '" + className + "' failed to initialise: "
                    + e.getCause(), e);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("symmetry class '" + className
                    + "' is not on the class path: add the jar that defines it", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalArgumentException("symmetry class '" + className + "' rejected its parameters: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("symmetry class '" + className + "' could not be created: it needs a public "
                    + (args != null ? "constructor (int dimension, String args) for the parameters '" + args + "'"
                    : "constructor taking (int dimension) or none"), e);
        }
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
