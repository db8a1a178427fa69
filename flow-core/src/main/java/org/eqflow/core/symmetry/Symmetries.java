package org.eqflow.core.symmetry;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads symmetry specifications, the form stored in configurations and model files:
 *
 * <ul>
 *   <li>{@code none}: no symmetry;</li>
 *   <li>{@code so<k>}: rotations of all coordinates ({@code k} must equal the dimension);</li>
 *   <li>{@code so<k>:i1,...,ik}: rotations of the listed 0-based coordinates;</li>
 *   <li>{@code linear:NAME:a11,a12,...;a21,...}: the generator {@code pᵀAq} of a {@code d×d} matrix, rows split by {@code ;};</li>
 *   <li>{@code class:com.example.MyGenerator}: a user class implementing {@link Generator} or {@link Symmetry},
 *       with a public constructor taking the dimension ({@code int}) or none;</li>
 *   <li>{@code class:com.example.MyGenerator:ARGS}: the same with parameters, passed as one string to a
 *       public constructor {@code (int dimension, String args)}; the spec, parameters included, is what
 *       configurations and model files store.</li>
 * </ul>
 */
public final class Symmetries {
    private Symmetries() {
    }

    /** Parses every spec; empty when there are none (or only {@code none}). */
    public static Optional<Symmetry> parse(List<String> specs, int dimension) {
        List<Symmetry> parts = new ArrayList<>();
        for (String spec : specs) {
            parseOne(spec, dimension).ifPresent(parts::add);
        }
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parts.size() == 1 ? parts.get(0) : new CompositeSymmetry(parts));
    }

    /** Parses one spec; empty for {@code none}. */
    public static Optional<Symmetry> parseOne(String spec, int dimension) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("none")) {
            return Optional.empty();
        }
        if (lower.startsWith("so")) {
            return Optional.of(parseSo(s, dimension));
        }
        if (lower.startsWith("linear:")) {
            return Optional.of(parseLinear(s, dimension));
        }
        if (lower.startsWith("class:")) {
            ClassSpec c = classSpec(s);
            return Optional.of(instantiate(c.name(), c.args(), dimension));
        }
        throw new IllegalArgumentException("unknown symmetry '" + spec
                + "': use none, so<k> (e.g. so2), so<k>:i1,...,ik (e.g. so2:0,1), linear:NAME:MATRIX or class:CLASSNAME");
    }

    private static Symmetry parseSo(String s, int dimension) {
        int colon = s.indexOf(':');
        String head = colon < 0 ? s : s.substring(0, colon);
        int k;
        try {
            k = Integer.parseInt(head.substring(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown symmetry '" + s + "': expected so<k> with an integer k, e.g. so3");
        }
        if (colon < 0) {
            if (k != dimension) {
                throw new IllegalArgumentException("symmetry '" + s + "' rotates all coordinates, so k must equal the data dimension "
                        + dimension + "; to rotate a subset, list it: so" + k + ":i1,...,i" + k);
            }
            return new SpecialOrthogonal(dimension);
        }
        String[] parts = s.substring(colon + 1).split(",");
        int[] idx = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                idx[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("symmetry '" + s + "': coordinate '" + parts[i].trim() + "' is not an integer");
            }
        }
        if (idx.length != k) {
            throw new IllegalArgumentException("symmetry '" + s + "' names so(" + k + ") but lists " + idx.length
                    + " coordinates; list exactly " + k);
        }
        return new SpecialOrthogonal(dimension, idx);
    }

    private static Symmetry parseLinear(String s, int dimension) {
        String[] parts = s.split(":", 3);
        if (parts.length != 3 || parts[1].isBlank()) {
            throw new IllegalArgumentException("symmetry '" + s + "': expected linear:NAME:a11,a12;a21,a22");
        }
        String[] rows = parts[2].split(";");
        double[][] m = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            String[] cells = rows[r].split(",");
            m[r] = new double[cells.length];
            for (int c = 0; c < cells.length; c++) {
                try {
                    m[r][c] = Double.parseDouble(cells[c].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("symmetry '" + s + "': matrix entry (" + (r + 1) + "," + (c + 1)
                            + ") '" + cells[c].trim() + "' is not a number");
                }
            }
        }
        LinearGenerator g = new LinearGenerator(parts[1].trim(), m);
        if (g.dimension() != dimension) {
            throw new IllegalArgumentException("symmetry '" + parts[1].trim() + "' is a " + g.dimension() + "x" + g.dimension()
                    + " matrix but the data has dimension " + dimension);
        }
        return new GeneratorSet(List.of(g));
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

    private static Symmetry instantiate(String className, String args, int dimension) {
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
