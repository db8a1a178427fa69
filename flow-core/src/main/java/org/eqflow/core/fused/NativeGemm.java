package org.eqflow.core.fused;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products straight into OpenBLAS — the library the CPU backend (nd4j-native) loads — on native arrays:
 * {@code Nd4j.gemm} spends about 30 µs of Java per call before the product starts (op construction and
 * checks), as much as a whole {@code [256, 2]·[2, 128]} product, and a step makes about a hundred calls
 * (docs/benchmarks.md). Touched only when {@link #AVAILABLE}: with another backend, or without the OpenBLAS
 * classes, {@link Blas} goes through {@code Nd4j.gemm}.
 */
final class NativeGemm {
    /** System property: {@code false} sends every product through {@code Nd4j.gemm}. */
    static final String PROPERTY = "eqflow.directBlas";

    /** Whether direct calls are possible: the CPU backend, its OpenBLAS classes loaded, not switched off. */
    static final boolean AVAILABLE = probe();

    private NativeGemm() {
    }

    private static boolean probe() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return false;
        }
        String backend = Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT);
        if (!backend.contains("cpu")) {
            return false;
        }
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_nolapack", true, NativeGemm.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** A float view of a native buffer's address. */
    static Pointer floats(Pointer address) {
        return new FloatPointer(address);
    }

    /** A double view of a native buffer's address. */
    static Pointer doubles(Pointer address) {
        return new DoublePointer(address);
    }

    /**
     * {@code c ← alpha · op(a) · op(b) + beta · c} on row-major arrays ({@code lda}, {@code ldb}, {@code ldc}: their
     * column counts), in float when the pointers are {@link FloatPointer}s, else in double.
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Pointer a, int lda, Pointer b, int ldb,
                     double beta, Pointer c, int ldc) {
        int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        if (a instanceof FloatPointer fa) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, (float) alpha, fa, lda,
                    (FloatPointer) b, ldb, (float) beta, (FloatPointer) c, ldc);
        } else {
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, alpha, (DoublePointer) a, lda,
                    (DoublePointer) b, ldb, beta, (DoublePointer) c, ldc);
        }
    }
}
