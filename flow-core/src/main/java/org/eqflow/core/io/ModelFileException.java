package org.eqflow.core.io;

import java.io.IOException;

/**
 * A model file that is missing, truncated, corrupted, hostile or from an incompatible version. The
 * message is always one line that names the file.
 */
public final class ModelFileException extends IOException {
    /** An error with its one-line message. */
    public ModelFileException(String message) {
        super(oneLine(message));
    }

    /** An error with its one-line message and the exception behind it. */
    public ModelFileException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String message) {
        return message == null ? null : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
