package org.eqflow.core.fused;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products of {@link Dense} and {@link DenseF} matrices: straight into the CPU backend's OpenBLAS where
 * {@link NativeGemm#AVAILABLE}, else through ND4J's BLAS ({@code Nd4j.gemm} into preallocated arrays: PERF-NOTES).
 * Operands are copied into native staging arrays of the model's precision: SGEMM for float32 models, DGEMM for
 * float64. The staging arrays are kept per shape and operand slot, so a training step allocates nothing after the
 * first.
 */
final class Blas {
    private final DataType type;
    private final Map<Long, Staging[]> staging = new HashMap<>();
    private float[] floats = new float[0];

    /** One native array, its NIO view and (direct calls only) its typed pointer. */
    private static final class Staging {
        final INDArray array;
        final FloatBuffer f;
        final DoubleBuffer d;
        final Pointer pointer;

        Staging(DataType type, int rows, int cols) {
            array = Nd4j.create(type, new long[] {rows, cols}, 'c');
            var bytes = array.data().asNio().order(ByteOrder.nativeOrder());
            f = type == DataType.FLOAT ? bytes.asFloatBuffer() : null;
            d = type == DataType.DOUBLE ? bytes.asDoubleBuffer() : null;
            var address = array.data().addressPointer();
            pointer = !NativeGemm.AVAILABLE ? null
                    : type == DataType.FLOAT ? NativeGemm.floats(address) : NativeGemm.doubles(address);
        }
    }

    Blas(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("the fused path computes in FLOAT or DOUBLE, not " + type);
        }
        this.type = type;
    }

    boolean isFloat32() {
        return type == DataType.FLOAT;
    }

    /** {@code c ← alpha · op(a) · op(b) + beta · c}, {@code op} the transpose where asked. */
    void gemm(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, double alpha, double beta) {
        int m = transA ? a.cols : a.rows;
        int k = transA ? a.rows : a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalStateException("gemm shapes do not match: [" + a.rows + "," + a.cols + "]" + (transA ? "ᵀ" : "")
                    + " · [" + b.rows + "," + b.cols + "]" + (transB ? "ᵀ" : "") + " → [" + c.rows + "," + c.cols + "]");
        }
        Staging sa = stage(a, 0, true);
        Staging sb = stage(b, 1, true);
        Staging sc = stage(c, 2, beta != 0.0);
        if (sc.pointer != null) {
            NativeGemm.gemm(transA, transB, m, n, k, alpha, sa.pointer, a.cols, sb.pointer, b.cols, beta, sc.pointer, c.cols);
        } else {
            Nd4j.gemm(sa.array, sb.array, sc.array, transA, transB, alpha, beta);
        }
        unstage(sc, c);
    }

    private Staging stage(Matrix x, int slot, boolean upload) {
        long key = ((long) x.rows << 32) | x.cols;
        Staging[] slots = staging.computeIfAbsent(key, k -> new Staging[3]);
        if (slots[slot] == null) {
            slots[slot] = new Staging(type, x.rows, x.cols);
        }
        Staging s = slots[slot];
        if (upload) {
            int n = x.size();
            if (x instanceof DenseF f) {
                s.f.put(0, f.v, 0, n);  // float32 models only: a plain copy
            } else if (s.d != null) {
                s.d.put(0, ((Dense) x).v, 0, n);
            } else {
                float[] tmp = floats(n);
                double[] v = ((Dense) x).v;
                for (int i = 0; i < n; i++) {
                    tmp[i] = (float) v[i];
                }
                s.f.put(0, tmp, 0, n);
            }
        }
        return s;
    }

    private void unstage(Staging s, Matrix x) {
        int n = x.size();
        if (x instanceof DenseF f) {
            s.f.get(0, f.v, 0, n);
        } else if (s.d != null) {
            s.d.get(0, ((Dense) x).v, 0, n);
        } else {
            float[] tmp = floats(n);
            s.f.get(0, tmp, 0, n);
            double[] v = ((Dense) x).v;
            for (int i = 0; i < n; i++) {
                v[i] = tmp[i];
            }
        }
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
