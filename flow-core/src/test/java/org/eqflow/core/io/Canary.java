package org.eqflow.core.io;

/**
 * A class a hostile model file names: it is neither a Generator nor a Symmetry, and its static
 * initialiser and constructor record in system properties that they ran (a test reading a field would
 * itself initialise the class). Loading must never let either run.
 */
public final class Canary {
    static final String INITIALISED = "eqflow.test.canary.initialised";
    static final String CONSTRUCTED = "eqflow.test.canary.constructed";

    static {
        System.setProperty(INITIALISED, "true");
    }

    public Canary(int dimension) {
        System.setProperty(CONSTRUCTED, "true");
    }

    public Canary() {
        System.setProperty(CONSTRUCTED, "true");
    }
}
