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

    static void atomically(Path target, Body body) throws IOException {
        AtomicFiles.write(target, os -> {
            Writer w = new java.io.BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            body.write(w);
            w.flush();
        });
    }
}
