package org.eqflow.examples.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 400 seeded cases of random bytes and of random CSV-like text (numbers, junk cells, NaN, quotes, blank
 * lines, ragged rows, BOMs, CRLF) fed to the reader. Each must either parse or fail with a CsvException
 * whose message names the file, within 5 s: no other exception, no hang.
 */
class CsvFuzzTest {
    @TempDir
    Path dir;

    private static final String[] CELLS = {"1", "-2.5", "3e4", " 7 ", "NaN", "-Infinity", "abc", "", "\"4\"", "\"", "1,2",
        "0x1p3", "\uFEFF5", "1e400", "-0", "+3"};

    @Test
    void randomInputFailsCleanly() throws IOException {
        SplittableRandom rng = new SplittableRandom(99);
        for (int c = 0; c < 400; c++) {
            byte[] data = c % 2 == 0 ? randomBytes(rng) : randomCsv(rng).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Path f = dir.resolve("case" + c + ".csv");
            Files.write(f, data);
            int which = c;
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                try {
                    CsvPoints.Info info = CsvPoints.validate(f);
                    double[][] rows = CsvPoints.readAll(f);
                    assertTrue(rows.length == info.rows(), "case " + which);
                    for (double[] r : rows) {
                        for (double v : r) {
                            assertTrue(Double.isFinite(v), "case " + which + ": a non-finite value got through");
                        }
                    }
                } catch (CsvException expected) {
                    assertTrue(expected.getMessage().startsWith(f.toString()), "case " + which + ": " + expected.getMessage());
                }
            }, "case " + which);
        }
    }

    private static byte[] randomBytes(SplittableRandom rng) {
        byte[] b = new byte[rng.nextInt(400)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) rng.nextInt(256);
        }
        return b;
    }

    private static String randomCsv(SplittableRandom rng) {
        StringBuilder s = new StringBuilder();
        int rows = rng.nextInt(8);
        int width = 1 + rng.nextInt(4);
        for (int r = 0; r < rows; r++) {
            int w = rng.nextInt(10) == 0 ? 1 + rng.nextInt(5) : width;
            for (int j = 0; j < w; j++) {
                s.append(j == 0 ? "" : ",");
                s.append(rng.nextInt(4) == 0 ? CELLS[rng.nextInt(CELLS.length)] : Double.toString(rng.nextGaussian()));
            }
            s.append(rng.nextBoolean() ? "\n" : "\r\n");
            if (rng.nextInt(10) == 0) {
                s.append('\n');
            }
        }
        return s.toString();
    }
}
