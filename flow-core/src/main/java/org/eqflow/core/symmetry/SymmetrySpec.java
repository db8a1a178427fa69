package org.eqflow.core.symmetry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One symmetry specification, parsed once into a typed value ({@link #parse}; {@link #print} writes it back,
 * and {@code parse(print(s))} prints the same): the form configurations and model files store.
 *
 * <ul>
 *   <li>{@code none}: no symmetry ({@link None});</li>
 *   <li>{@code so<k>}: rotations of all coordinates ({@code k} must equal the dimension), or
 *       {@code so<k>:i1,...,ik} of the listed 0-based coordinates ({@link Rotations});</li>
 *   <li>{@code linear:NAME:a11,a12,...;a21,...}: the generator {@code pᵀAq} of a {@code d×d} matrix, rows split
 *       by {@code ;} ({@link Linear});</li>
 *   <li>{@code class:com.example.MyGenerator[:ARGS]}: a user class implementing {@link Generator} or
 *       {@link Symmetry} ({@link UserClass}), with a public constructor taking the dimension ({@code int}) or
 *       none — or {@code (int dimension, String args)} when parameters are given.</li>
 * </ul>
 *
 * Parsing checks everything that can be checked without constructing a user's class (syntax, dimensions,
 * coordinate ranges, sizes); {@link #build} constructs the symmetry, loading a user class only then.
 */
public sealed interface SymmetrySpec permits SymmetrySpec.None, SymmetrySpec.Rotations, SymmetrySpec.Linear,
        SymmetrySpec.UserClass {

    /** No symmetry. */
    record None() implements SymmetrySpec {
        @Override
        public String print() {
            return "none";
        }

        @Override
        public Optional<Symmetry> build(int dimension) {
            return Optional.empty();
        }
    }

    /**
     * so(k) of the listed coordinates; {@code subset} empty means all {@code k} coordinates of data of
     * dimension {@code k}.
     */
    record Rotations(int k, List<Integer> subset) implements SymmetrySpec {
        public Rotations {
            subset = List.copyOf(subset);
        }

        /** The rotated coordinates for data of the given dimension. */
        public int[] coordinates(int dimension) {
            return subset.isEmpty() ? java.util.stream.IntStream.range(0, dimension).toArray()
                    : subset.stream().mapToInt(Integer::intValue).toArray();
        }

        /** {@code k(k−1)/2}. */
        public int generatorCount() {
            return k * (k - 1) / 2;
        }

        @Override
        public String print() {
            return "so" + k + (subset.isEmpty() ? "" : ":" + subset.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }

        @Override
        public Optional<Symmetry> build(int dimension) {
            return Optional.of(subset.isEmpty() ? new SpecialOrthogonal(dimension)
                    : new SpecialOrthogonal(dimension, coordinates(dimension)));
        }
    }

    /** The linear generator {@code pᵀAq} of a named matrix. */
    record Linear(LinearGenerator generator) implements SymmetrySpec {
        @Override
        public String print() {
            double[][] a = generator.matrix().orElseThrow();
            return "linear:" + generator.name() + ":" + Arrays.stream(a)
                    .map(row -> Arrays.stream(row).mapToObj(Double::toString).collect(Collectors.joining(",")))
                    .collect(Collectors.joining(";"));
        }

        @Override
        public Optional<Symmetry> build(int dimension) {
            return Optional.of(new GeneratorSet(List.of(generator)));
        }
    }

    /** A user's generator or symmetry class, with its parameters ({@code args} null without). */
    record UserClass(String className, String args) implements SymmetrySpec {
        @Override
        public String print() {
            return "class:" + className + (args == null ? "" : ":" + args);
        }

        /** Loads the class without initialising it, checks its type, then constructs it. */
        @Override
        public Optional<Symmetry> build(int dimension) {
            return Optional.of(Symmetries.instantiate(className, args, dimension));
        }
    }

    /** The spec's text form, which {@link #parse} reads back. */
    String print();

    /**
     * How many generators it has: from the spec alone for {@code none}, so(k) and linear; a user class is
     * built to ask it.
     */
    default int generatorCount(int dimension) {
        if (this instanceof Rotations r) {
            return r.generatorCount();
        }
        if (this instanceof Linear) {
            return 1;
        }
        return build(dimension).map(Symmetry::size).orElse(0);
    }

    /** Constructs the symmetry (empty for {@link None}); a {@link UserClass} is loaded and constructed here. */
    Optional<Symmetry> build(int dimension);

    /** Reads one spec for data of dimension {@code dimension}; the error says what is wrong and what to write. */
    static SymmetrySpec parse(String spec, int dimension) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("none")) {
            return new None();
        }
        if (lower.startsWith("so")) {
            return parseSo(s, dimension);
        }
        if (lower.startsWith("linear:")) {
            return parseLinear(s, dimension);
        }
        if (lower.startsWith("class:")) {
            return parseUserClass(s);
        }
        throw new IllegalArgumentException("unknown symmetry '" + spec
                + "': use none, so<k> (e.g. so2), so<k>:i1,...,ik (e.g. so2:0,1), linear:NAME:MATRIX or class:CLASSNAME");
    }

    /** Reads {@code class:NAME[:ARGS]} (trimmed, starting with {@code class:}) without loading anything. */
    static UserClass parseUserClass(String trimmed) {
        String rest = trimmed.substring("class:".length()).trim();
        int colon = rest.indexOf(':');
        return colon < 0 ? new UserClass(rest, null) : new UserClass(rest.substring(0, colon).trim(), rest.substring(colon + 1));
    }

    /** Reads every spec. */
    static List<SymmetrySpec> parseAll(List<String> specs, int dimension) {
        List<SymmetrySpec> out = new ArrayList<>();
        for (String s : specs) {
            out.add(parse(s, dimension));
        }
        return out;
    }

    private static SymmetrySpec parseSo(String s, int dimension) {
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
            SpecialOrthogonal.check(dimension, SpecialOrthogonal.range(dimension));
            return new Rotations(k, List.of());
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
        SpecialOrthogonal.check(dimension, idx);
        return new Rotations(k, Arrays.stream(idx).boxed().toList());
    }

    private static SymmetrySpec parseLinear(String s, int dimension) {
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
        return new Linear(g);
    }
}
