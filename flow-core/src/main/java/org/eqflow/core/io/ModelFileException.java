package org.eqflow.core.io;

import java.io.IOException;

/** A model file that is missing, truncated, corrupted or from an incompatible version. */
public final class ModelFileException extends IOException {
    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
