package org.eqflow.examples.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads a duration as people write it — {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 2h} — or in ISO-8601
 * ({@code PT10M}); a bare number is refused (seconds or minutes?).
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern HUMAN = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        Matcher m = HUMAN.matcher(v);
        Duration d = null;
        if (!v.isEmpty() && m.matches()) {
            try {
                d = Duration.ofHours(part(m.group(1))).plusMinutes(part(m.group(2))).plusSeconds(part(m.group(3)));
            } catch (ArithmeticException | NumberFormatException e) {
                d = null;
            }
        } else if (v.startsWith("pt")) {
            try {
                d = Duration.parse(value.trim());
            } catch (java.time.format.DateTimeParseException e) {
                d = null;
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration: write it like 90s, 10m or 1h30m");
        }
        return d;
    }

    private static long part(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
