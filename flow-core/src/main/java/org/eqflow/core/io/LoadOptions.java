package org.eqflow.core.io;

import java.util.List;

/**
 * What loading a model file may do beyond reading data. A model file is data: by default loading never
 * loads, initialises or constructs a class named in the file. A {@code class:NAME} symmetry in a file is
 * refused unless {@code NAME} is on the allow-list given here (the command line's {@code --allow-class}),
 * and even then only a class implementing {@code Generator} or {@code Symmetry} is constructed (checked
 * before its static initialiser runs).
 *
 * @param allowedClasses class-name prefixes: a prefix allows the class of exactly that name, classes nested
 *                       in it, and every class in the package of that name ({@code com.example} allows
 *                       {@code com.example.Rotation}, not {@code com.examples.X})
 */
public record LoadOptions(List<String> allowedClasses) {

    public LoadOptions {
        allowedClasses = List.copyOf(allowedClasses);
        for (String p : allowedClasses) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("an allowed class prefix must not be empty");
            }
        }
    }

    /** Data only: no class named in a file is ever constructed. */
    public static LoadOptions defaults() {
        return new LoadOptions(List.of());
    }

    /** Allows the named classes or packages (see {@link LoadOptions}). */
    public static LoadOptions allowClasses(String... prefixes) {
        return new LoadOptions(List.of(prefixes));
    }

    /** Whether a file may construct the class of this fully qualified name. */
    public boolean allows(String className) {
        for (String raw : allowedClasses) {
            String p = raw.trim();
            String stem = p.endsWith(".") || p.endsWith("$") ? p.substring(0, p.length() - 1) : p;
            if (className.equals(stem) || className.startsWith(stem + ".") || className.startsWith(stem + "$")) {
                return true;
            }
        }
        return false;
    }
}
