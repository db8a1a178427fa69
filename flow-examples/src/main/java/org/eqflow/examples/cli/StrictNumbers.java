package org.eqflow.examples.cli;

import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Number options in the syntax CSV cells use ({@link org.eqflow.examples.io.CsvPoints#NUMBER}): Java's own
 * parsers also take {@code 1f}, {@code 2d}, {@code 0x1p3}, {@code NaN} and {@code Infinity}, none of which a
 * user means.
 */
final class StrictNumbers {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    private StrictNumbers() {
    }

    static void register(CommandLine cl) {
        cl.registerConverter(Integer.class, s -> Integer.valueOf(integer(s)));
        cl.registerConverter(Integer.TYPE, s -> Integer.valueOf(integer(s)));
        cl.registerConverter(Long.class, s -> Long.valueOf(integer(s)));
        cl.registerConverter(Long.TYPE, s -> Long.valueOf(integer(s)));
        cl.registerConverter(Double.class, StrictNumbers::decimal);
        cl.registerConverter(Double.TYPE, StrictNumbers::decimal);
    }

    private static String integer(String s) {
        if (!INTEGER.matcher(s.trim()).matches()) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not a whole number");
        }
        return s.trim();
    }

    private static Double decimal(String s) {
        if (!org.eqflow.examples.io.CsvPoints.NUMBER.matcher(s.trim()).matches()) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not a number (plain decimal or 1e-3 notation)");
        }
        double v = Double.parseDouble(s.trim());
        if (!Double.isFinite(v)) {
            throw new CommandLine.TypeConversionException("'" + s + "' is beyond double precision");
        }
        return v;
    }
}
