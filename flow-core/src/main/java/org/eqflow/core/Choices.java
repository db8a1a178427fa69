package org.eqflow.core;

import java.util.Arrays;
import java.util.Locale;

/** Reads an option's value as one of an enum's constants, with an error that lists the choices. */
public final class Choices {
    private Choices() {
    }

    /**
     * Any case, {@code -} for {@code _}: {@code base-and-flow} reads {@code BASE_AND_FLOW}.
     *
     * @param what the option's name, for the message (e.g. {@code --constraint} or {@code constraint})
     * @throws IllegalArgumentException "{@code what} must be one of [..], got '..'"
     */
    public static <E extends Enum<E>> E parse(String what, String value, Class<E> type) {
        try {
            return Enum.valueOf(type, String.valueOf(value).trim().replace('-', '_').toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be one of " + Arrays.stream(type.getEnumConstants())
                    .map(Choices::print).toList() + ", got '" + value + "'");
        }
    }

    /** The text form of a constant: lower case, {@code _} as {@code -}. */
    public static String print(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
