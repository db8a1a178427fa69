package org.eqflow.core.group;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads group specifications: {@code none}, {@code c<n>}, {@code d<n>}, {@code so2}, {@code o2},
 * {@code perm:<k>x<m>}, and products of commuting finite groups joined by {@code *} (e.g. {@code c4*perm:4x2}).
 */
public final class Groups {
    private static final Pattern PLANAR = Pattern.compile("([cd])(\\d{1,4})");
    private static final Pattern PERM = Pattern.compile("perm:(\\d{1,2})x(\\d{1,3})");
    private static final String FORMS = "use none, c<n>, d<n>, so2, o2, perm:<k>x<m> or a product such as c4*perm:4x2";

    private Groups() {
    }

    /**
     * The group named by {@code spec} acting on {@code R^d}.
     *
     * @throws IllegalArgumentException with a one-line reason for a malformed spec or one that does not fit {@code d}
     */
    public static Group parse(String spec, int d) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty group: " + FORMS);
        }
        if (s.contains("*")) {
            FiniteGroup product = null;
            for (String part : s.split("\\*", -1)) {
                Group g = parse(part, d);
                if (!(g instanceof FiniteGroup f)) {
                    throw new IllegalArgumentException("group '" + spec + "': only finite groups combine with *, and " + part.trim()
                            + " is continuous");
                }
                product = product == null ? f : product.times(f);
            }
            return product;
        }
        try {
            return single(s, d);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("group '") ? e : new IllegalArgumentException("group '" + spec + "': " + e.getMessage());
        }
    }

    private static Group single(String s, int d) {
        if (s.equals("none")) {
            return FiniteGroup.trivial(d);
        }
        if (s.equals("so2") || s.equals("o2")) {
            return new PlanarRotations(d, s.equals("o2"));
        }
        Matcher m = PLANAR.matcher(s);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(2));
            if (n < 1 || n > 360) {
                throw new IllegalArgumentException("n must be between 1 and 360, got " + n);
            }
            return m.group(1).equals("c") ? FiniteGroup.cyclic(n, d) : FiniteGroup.dihedral(n, d);
        }
        m = PERM.matcher(s);
        if (m.matches()) {
            int k = Integer.parseInt(m.group(1));
            int per = Integer.parseInt(m.group(2));
            if (k * per != d) {
                throw new IllegalArgumentException(k + " particles of " + per + " coordinates need dimension " + k * per
                        + ", but the data has dimension " + d);
            }
            return FiniteGroup.permutations(k, per);
        }
        throw new IllegalArgumentException("unknown group; " + FORMS);
    }
}
