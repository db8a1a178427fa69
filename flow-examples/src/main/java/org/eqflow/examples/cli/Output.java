package org.eqflow.examples.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eqflow.core.io.AtomicFiles;

/**
 * Writes a text result: to a file atomically ({@link AtomicFiles}: a failed run leaves the old file intact,
 * a device or FIFO is written as a stream), or to standard output for no target or {@code -}. Every write
 * is checked: a failure (disk full, closed pipe) ends the command with one line naming the target,
 * never a silently cut result.
 */
final class Output {
    private Output() {
    }

    interface Body {
        void write(Writer w) throws IOException;
    }

    /** The header {@code x0,x1,...} of a CSV of points, with its line end. */
    static String pointsHeader(int d) {
        return pointsHeader(d, 0);
    }

    /** {@code x0,...,x(d-1),c0,...,c(k-1)}: the header of rows {@code [x | c]} of a conditional density. */
    static String pointsHeader(int d, int k) {
        StringBuilder h = new StringBuilder();
        for (int j = 0; j < d; j++) {
            h.append(j == 0 ? "" : ",").append('x').append(j);
        }
        for (int j = 0; j < k; j++) {
            h.append(",c").append(j);
        }
        return h.append('\n').toString();
    }

    /** Writes {@code body} to {@code target}, or to the command's standard output when it is null or {@code -}. */
    static void write(Path target, picocli.CommandLine cl, Body body) throws IOException {
        if (target == null || target.toString().equals("-")) {
            toStandardOutput(cl.getOut(), body);
        } else {
            atomically(target, body);
        }
    }

    /** Writes a report as indented JSON to standard output (checked, like every stdout write). */
    static void json(picocli.CommandLine cl, Object report) throws IOException {
        String text = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        toStandardOutput(cl.getOut(), w -> w.write(text + "\n"));
    }

    /** Writes to standard output, checking for errors at every flush (a {@link java.io.PrintWriter} hides them). */
    static void toStandardOutput(java.io.PrintWriter out, Body body) throws IOException {
        Writer checked = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                out.write(buf, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (out.checkError()) {
                    throw new IOException("standard output: the write failed (disk full, or the reader closed the pipe); "
                            + "the output is incomplete");
                }
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        body.write(checked);
        checked.flush();
    }

    static void atomically(Path target, Body body) throws IOException {
        AtomicFiles.write(target, os -> {
            Writer w = new java.io.BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            body.write(w);
            w.flush();
        });
    }
}
