package org.eqflow.core;

import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J threading for small machines. On 2–4 cores ND4J's default (OpenMP and OpenBLAS threads equal to
 * the core count) runs these small-matrix graphs 2–4× slower than one thread. The library never
 * changes a host application's settings by itself: call {@link #useSingleThread()} explicitly (the
 * command line and the examples do), or start the JVM with {@code OMP_NUM_THREADS=1}.
 */
public final class Threads {
    private Threads() {
    }

    /** Makes ND4J run every op on the calling thread with single-threaded BLAS. */
    public static void useSingleThread() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
