package org.eqflow.examples.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvPointsTest {
    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        Path f = dir.resolve("data-" + Integer.toHexString(content.hashCode()) + ".csv");
        Files.write(f, content.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void acceptsHeaderCrlfSpacesBomAndTrailingBlankLines() throws IOException {
        Path f = write("\uFEFFx0, x1\r\n 1.5 , -2\r\n3,4e-1\r\n\r\n\n");
        CsvPoints.Info info = CsvPoints.validate(f);
        assertEquals(new CsvPoints.Info(2, 2, true), info);
        double[][] rows = CsvPoints.readAll(f);
        assertArrayEquals(new double[] {1.5, -2}, rows[0]);
        assertArrayEquals(new double[] {3, 0.4}, rows[1]);
        Path noHeader = write("1,2\n3,4\n");
        assertEquals(new CsvPoints.Info(2, 2, false), CsvPoints.validate(noHeader));
        Path bomNoHeader = write("\uFEFF1,2\n");
        assertEquals(new CsvPoints.Info(2, 1, false), CsvPoints.validate(bomNoHeader));
    }

    @Test
    void streamsInChunks() throws IOException {
        StringBuilder b = new StringBuilder("a,b\n");
        for (int i = 0; i < 25; i++) {
            b.append(i).append(',').append(-i).append('\n');
        }
        Path f = write(b.toString());
        List<Integer> sizes = new ArrayList<>();
        CsvPoints.stream(f, 10, chunk -> sizes.add(chunk.length));
        assertEquals(List.of(10, 10, 5), sizes);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty|| the file is empty",
        "header only|x,y\\n|:1: the file has a header but no data rows",
        "non-numeric|1,2\\n3,abc\\n|:2:2: 'abc' is not a number",
        "NaN|1,2\\nNaN,3\\n|:2:1: 'NaN' is not a finite number",
        "Infinity|1,2\\n3,-Infinity\\n|:2:2: '-Infinity' is not a finite number",
        "ragged|1,2\\n3,4,5\\n|:2: the row has 3 values but earlier rows have 2",
        "blank inside|1,2\\n\\n3,4\\n|:2: blank line inside the data"})
    void rejectsBadInputNamingFileLineAndColumn(String name, String content, String expected) throws IOException {
        Path f = write(content == null ? "" : content.replace("\\n", "\n"));
        CsvException e = assertThrows(CsvException.class, () -> CsvPoints.validate(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
