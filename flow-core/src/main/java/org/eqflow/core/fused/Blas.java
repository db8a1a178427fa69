package org.eqflow.core.fused;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products of {@link Dense} and {@link DenseF} matrices: straight into the CPU backend's OpenBLAS where
 * {@link NativeGemm#AVAILABLE}, else through ND4J's BLAS ({@code Nd4j.gemm} into preallocated arrays: PERF-NOTES).
 * Operands are copied into native staging arrays of the model's precision: SGEMM for float32 models, DGEMM for
 * float64. The staging arrays are kept per shape and operand slot, so a training step allocates nothing after the
 * first. Weights are <em>held</em> ({@link #hold}, {@link #holdDerived} for values kernels derive from them): each
 * keeps its own native copy, written when the weights are loaded ({@link #refreshHeld}, once per evaluation) or
 * re-derived ({@link #refresh}), and products read it as it is: a weight crosses to native memory once per step,
 * not once per product.
 */
final class Blas {
    private final DataType type;
    private final Map<Long, Staging[]> staging = new HashMap<>();
    private float[] floats = new float[0];
    /** The held weights and their native copies, written by {@link #refreshHeld}. */
    private final Map<Matrix, Staging> held = new IdentityHashMap<>();
    /**
     * Held values derived from the weights by a kernel, written by their owner ({@link #refresh}); weak (a
     * {@code Matrix} compares by identity), so a kernel that is dropped takes its copy along.
     */
    private final Map<Matrix, Staging> derived = new WeakHashMap<>();
    /** Counts {@link #refreshHeld} calls: kernels re-derive their weight-dependent values when it moves. */
    private long epoch;

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

    /**
     * Keeps a native copy of the weight {@code m} for every product that reads it, written by {@link #refreshHeld}
     * only: the caller changes {@code m} only before that. Holding twice is one hold.
     */
    void hold(Dense m) {
        held.computeIfAbsent(m, k -> new Staging(type, k.rows, k.cols));
    }

    /** Keeps a native copy of {@code m}, a value its owner derives from the weights and writes with {@link #refresh}. */
    void holdDerived(Matrix m) {
        derived.computeIfAbsent(m, k -> new Staging(type, k.rows, k.cols));
    }

    /** Copies every held weight to its native copy (after the weights are loaded) and moves {@link #epoch}. */
    void refreshHeld() {
        held.forEach((m, s) -> upload(m, s));
        epoch++;
    }

    /** Copies a derived value to its native copy (after its owner re-derived it). */
    void refresh(Matrix m) {
        Staging s = derived.get(m);
        if (s == null) {
            throw new IllegalStateException("refresh of a matrix that is not held");
        }
        upload(m, s);
    }

    /** How many times the held matrices were refreshed together: a value derived from weights is stale when it moved. */
    long epoch() {
        return epoch;
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
        Staging sa = operand(a, 0);
        Staging sb = operand(b, 1);
        Staging sc = stage(c, 2, beta != 0.0);
        if (sc.pointer != null) {
            NativeGemm.gemm(transA, transB, m, n, k, alpha, sa.pointer, a.cols, sb.pointer, b.cols, beta, sc.pointer, c.cols);
        } else {
            Nd4j.gemm(sa.array, sb.array, sc.array, transA, transB, alpha, beta);
        }
        unstage(sc, c);
    }

    /** A held matrix's native copy as it is (checked against the matrix when assertions are on), else a staged copy. */
    private Staging operand(Matrix x, int slot) {
        Staging s = held.get(x);
        if (s == null) {
            s = derived.get(x);
        }
        if (s == null) {
            return stage(x, slot, true);
        }
        assert current(x, s) : "a held " + x.rows + "×" + x.cols + " matrix changed without a refresh";
        return s;
    }

    /** Whether the native copy holds {@code x}'s values in the model's precision (NaN equal to NaN). */
    private boolean current(Matrix x, Staging s) {
        int n = x.size();
        for (int i = 0; i < n; i++) {
            double v = x instanceof DenseF f ? f.v[i] : s.f != null ? (float) ((Dense) x).v[i] : ((Dense) x).v[i];
            double copy = s.f != null ? s.f.get(i) : s.d.get(i);
            if (Double.compare(v, copy) != 0 && v != copy) {
                return false;
            }
        }
        return true;
    }

    private Staging stage(Matrix x, int slot, boolean upload) {
        long key = ((long) x.rows << 32) | x.cols;
        Staging[] slots = staging.computeIfAbsent(key, k -> new Staging[3]);
        if (slots[slot] == null) {
            slots[slot] = new Staging(type, x.rows, x.cols);
        }
        Staging s = slots[slot];
        if (upload) {
            upload(x, s);
        }
        return s;
    }

    private void upload(Matrix x, Staging s) {
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
