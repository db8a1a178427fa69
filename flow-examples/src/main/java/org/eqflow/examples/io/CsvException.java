package org.eqflow.examples.io;

import java.io.IOException;

/** Bad CSV input; the message names the file, and the 1-based line and column where known. */
public final class CsvException extends IOException {
    public CsvException(String message) {
        super(message);
    }
}
