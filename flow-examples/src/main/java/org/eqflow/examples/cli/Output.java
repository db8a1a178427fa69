package org.eqflow.examples.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eqflow.core.io.AtomicFiles;

/** Writes a text result file atomically ({@link AtomicFiles}): a failed run leaves the old file intact. */
final class Output {
    private Output() {
    }

    interface Body {
        void write(Writer w) throws IOException;
    }

    /** The header {@code x0,x1,...} of a CSV of points, with its line end. */
    static String pointsHeader(int d) {
        StringBuilder h = new StringBuilder();
        for (int j = 0; j < d; j++) {
            h.append(j == 0 ? "" : ",").append('x').append(j);
        }
        return h.append('\n').toString();
    }

    static void atomically(Path target, Body body) throws IOException {
        AtomicFiles.write(target, os -> {
            Writer w = new java.io.BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            body.write(w);
            w.flush();
        });
    }
}
