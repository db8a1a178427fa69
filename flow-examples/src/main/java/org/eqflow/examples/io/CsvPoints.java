package org.eqflow.examples.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaDataLine;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;

/**
 * Numeric CSV files of points, one per row, read with DataVec's {@link CSVRecordReader}.
 *
 * <p>Accepted: a header row (the first row is a header only if none of its cells parses as a number),
 * CRLF line ends, spaces around cells, a UTF-8 byte-order mark, trailing blank lines. Rejected, with
 * {@code file:line:column: what} (1-based): an empty file, a header without data, a non-numeric cell,
 * NaN or ±Inf, Java-only number forms ({@code 1f}, {@code 0x1p3}), a line over {@link #MAX_LINE_CHARS} characters,
 * a quoted field running past its line, rows of different lengths, a blank line inside the data.
 *
 * <p>{@link #validate} makes one streaming pass and keeps nothing; {@link #stream} then delivers the rows
 * in chunks, so arbitrarily large files are processed in bounded memory.
 */
public final class CsvPoints {
    /** Training loads its data into memory; beyond this many values it refuses (about 800 MB of doubles). */
    public static final long MAX_IN_MEMORY_VALUES = 100_000_000L;

    private CsvPoints() {
    }

    /** What a valid file holds. */
    public record Info(int dimension, long rows, boolean header) {
    }

    /** The longest line accepted (characters): a point of 4,096 coordinates at 25 characters each fits. */
    public static final int MAX_LINE_CHARS = 1 << 20;
    /**
     * What eqflow reads as a number, in files and options alike: plain decimals and {@code 1e-3} notation.
     * Java's parsers also take {@code 1f}, {@code 2d}, {@code 0x1p3}, {@code NaN} and {@code Infinity}.
     */
    public static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** Checks the whole file; throws {@link CsvException} at the first problem. */
    public static Info validate(Path file) throws IOException {
        checkLines(file);
        int[] dim = {-1};
        long[] rows = {0};
        boolean header = scan(file, (line, values) -> {
            rows[0]++;
            dim[0] = values.length;
        });
        if (rows[0] == 0) {
            throw new CsvException(file + (header ? ":1: the file has a header but no data rows" : ": the file is empty (no data rows)"));
        }
        return new Info(dim[0], rows[0], header);
    }

    /** Validates, then loads every row (training data), refusing files beyond {@link #MAX_IN_MEMORY_VALUES}. */
    public static double[][] readAll(Path file) throws IOException {
        return readAll(file, row -> null);
    }

    /**
     * {@link #readAll(Path)}, checking every row as it is loaded (one pass for both); a row refused throws
     * {@link CsvException} naming the file and line.
     *
     * @param file  the file
     * @param check the check of each row
     * @return the rows
     * @throws IOException when the file cannot be read, is invalid, or a row is refused
     */
    public static double[][] readAll(Path file, RowCheck check) throws IOException {
        Info info = validate(file);
        if (info.rows() * info.dimension() > MAX_IN_MEMORY_VALUES) {
            throw new CsvException(file + ": " + info.rows() + " rows of " + info.dimension() + " values exceed the "
                    + MAX_IN_MEMORY_VALUES + " values that training loads into memory; subsample the file");
        }
        List<double[]> out = new ArrayList<>();
        scanChecked(file, check, out::add);
        return out.toArray(new double[0][]);
    }

    /** A check of one row of numbers: why it is refused, or null when it is fine. */
    public interface RowCheck {
        /**
         * @param row the row's numbers
         * @return the reason, or null
         */
        String why(double[] row);
    }

    /**
     * Checks every row of a file (for example that it is a point of a manifold); throws {@link CsvException}
     * naming the file and line of the first row refused.
     *
     * @param file  the file
     * @param check the check
     * @throws IOException when the file cannot be read or a row is refused
     */
    public static void checkRows(Path file, RowCheck check) throws IOException {
        scanChecked(file, check, row -> { });
    }

    /** One pass delivering the rows that pass {@code check}; the first that does not ends it with its file and line. */
    private static void scanChecked(Path file, RowCheck check, Consumer<double[]> sink) throws IOException {
        try {
            scan(file, (line, values) -> {
                String why = check.why(values);
                if (why != null) {
                    throw new java.io.UncheckedIOException(new CsvException(file + ":" + line + ":" + why));
                }
                sink.accept(values);
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Delivers the rows of a validated file in chunks of at most {@code chunk} rows. */
    public static void stream(Path file, int chunk, Consumer<double[][]> sink) throws IOException {
        List<double[]> buffer = new ArrayList<>(chunk);
        scan(file, (line, values) -> {
            buffer.add(values);
            if (buffer.size() == chunk) {
                sink.accept(buffer.toArray(new double[0][]));
                buffer.clear();
            }
        });
        if (!buffer.isEmpty()) {
            sink.accept(buffer.toArray(new double[0][]));
        }
    }

    /**
     * One byte-level pass before DataVec sees the file: refuses a line longer than {@link #MAX_LINE_CHARS}
     * (DataVec would hold it whole in memory) and a quoted field that runs past its line (DataVec's error
     * would name no line).
     */
    private static void checkLines(Path file) throws IOException {
        requireFile(file);
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            long line = 1;
            long length = 0;
            long openQuote = -1;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    if (openQuote >= 0) {
                        throw new CsvException(file + ":" + line + ":" + openQuote + ": a quoted field runs past the end of "
                                + "the line (fields spanning lines are not supported)");
                    }
                    line++;
                    length = 0;
                    continue;
                }
                length++;
                if (b == '"') {
                    openQuote = openQuote >= 0 ? -1 : length;
                }
                if (length > MAX_LINE_CHARS) {
                    throw new CsvException(file + ":" + line + ": the line is longer than " + MAX_LINE_CHARS
                            + " characters; is this a CSV file of points?");
                }
            }
            if (openQuote >= 0) {
                throw new CsvException(file + ":" + line + ":" + openQuote + ": a quoted field is not closed");
            }
        }
    }

    private static void requireFile(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CsvException(file + " is a directory; give a CSV file of points");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CsvException(file + " is not a regular file (a FIFO or device?); give a CSV file of points");
        }
    }

    private interface RowSink {
        void row(int line, double[] values);
    }

    /** One pass over the file; returns whether it had a header. */
    private static boolean scan(Path file, RowSink sink) throws IOException {
        requireFile(file);
        CSVRecordReader reader = new CSVRecordReader(0, ',');
        try {
            reader.initialize(new FileSplit(file.toFile()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + file, e);
        }
        boolean first = true;
        boolean header = false;
        int width = -1;
        int blankLine = -1;
        try {
            while (reader.hasNext()) {
                Record rec;
                try {
                    rec = reader.nextRecord();
                } catch (RuntimeException e) {
                    throw new CsvException(file + ": unreadable CSV (" + e.getMessage() + ")");
                }
                int line = ((RecordMetaDataLine) rec.getMetaData()).getLineNumber() + 1;
                List<Writable> cells = rec.getRecord();
                String[] text = new String[cells.size()];
                for (int c = 0; c < text.length; c++) {
                    text[c] = cells.get(c).toString().strip();
                }
                if (first && text.length > 0 && text[0].startsWith("\uFEFF")) {
                    text[0] = text[0].substring(1).strip();
                }
                if (text.length == 0 || text.length == 1 && text[0].isEmpty()) {
                    if (blankLine < 0) {
                        blankLine = line;
                    }
                    continue;
                }
                if (blankLine >= 0) {
                    throw new CsvException(file + ":" + blankLine + ": blank line inside the data");
                }
                if (first) {
                    first = false;
                    if (noneNumeric(text)) {
                        header = true;
                        continue;
                    }
                }
                if (width < 0) {
                    width = text.length;
                } else if (text.length != width) {
                    throw new CsvException(file + ":" + line + ": the row has " + text.length + " values but earlier rows have " + width);
                }
                double[] values = new double[text.length];
                for (int c = 0; c < text.length; c++) {
                    values[c] = parse(file, line, c + 1, text[c]);
                }
                sink.row(line, values);
            }
        } finally {
            reader.close();
        }
        return header;
    }

    private static boolean noneNumeric(String[] cells) {
        for (String c : cells) {
            if (NUMBER.matcher(c).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static double parse(Path file, int line, int column, String cell) throws CsvException {
        if (!NUMBER.matcher(cell).matches()) {
            throw new CsvException(file + ":" + line + ":" + column + ": '" + abbreviate(cell) + "' is not a "
                    + (cell.matches("(?i)[+-]?(nan|inf|infinity)") ? "finite number" : "number (plain decimal or 1e-3 notation)"));
        }
        double v = Double.parseDouble(cell);
        if (!Double.isFinite(v)) {
            throw new CsvException(file + ":" + line + ":" + column + ": '" + cell + "' is not a finite number");
        }
        return v;
    }
}
