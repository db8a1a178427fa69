package org.eqflow.core.graph;

import java.io.OutputStream;
import java.io.PrintStream;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Keeps SameDiff's diagnostic prints off standard output.
 *
 * <p>{@code SameDiff.createGradFunction} prints to {@code System.out} in 1.0.0-M2.1; our command line
 * writes data (CSV) to standard output, so those lines would corrupt it.
 */
public final class Quiet {
    private Quiet() {
    }

    /**
     * Builds the gradient function of {@code sd} with standard output silenced.
     *
     * @param alsoFor placeholders whose gradients are wanted too (DL4J asks for its input's)
     */
    public static synchronized void createGradFunction(SameDiff sd, String... alsoFor) {
        if (sd.getFunction("grad") != null) {
            return;
        }
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction(alsoFor);
        } finally {
            System.setOut(original);
        }
    }
}
