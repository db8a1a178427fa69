package org.eqflow.core.io;

import java.time.Instant;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a saved model came from: eqflow version, ND4J backend, JDK, operating system and time.
 */
public record Provenance(String eqflowVersion, String nd4jBackend, String jdk, String os, String created) {

    /** The version of this eqflow build, from the jar manifest (or {@code dev} when run from classes). */
    public static String libraryVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** This process's provenance: eqflow's version, the ND4J backend, the JDK, the operating system and the time now. */
    public static Provenance current() {
        String backend;
        try {
            backend = Nd4j.getBackend().getClass().getName();
        } catch (RuntimeException | LinkageError e) {
            backend = "unknown";
        }
        return new Provenance(libraryVersion(), backend,
                System.getProperty("java.vendor") + " " + System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), Instant.now().toString());
    }
}
