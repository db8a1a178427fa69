package org.eqflow.core.fused;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies between ND4J arrays and Java {@code double[]}, through NIO views of the native buffers (one
 * bulk copy, no op launch). Float arrays go through a reused {@code float[]}, so an instance belongs to one
 * thread. Views and non-c-ordered arrays are read through a c-ordered copy, kept reachable while its
 * buffer is read: the NIO view alone does not keep it alive, and a collection could free it mid-read.
 */
public final class HostArrays {
    private float[] floats = new float[0];

    /** The values of {@code a} in c order into {@code out} (at least {@code a.length()} long). */
    public void read(INDArray a, double[] out) {
        read(a, Math.toIntExact(a.length()), 0, out);
    }

    /** The {@code n} values of {@code a} from c-order index {@code from} into {@code out[0 .. n)}. */
    public void read(INDArray a, int n, int from, double[] out) {
        INDArray c = isDirect(a) ? a : a.dup('c');
        if (c.dataType() != DataType.DOUBLE && c.dataType() != DataType.FLOAT) {
            c = c.castTo(DataType.DOUBLE);
        }
        try {
            range(c, from, n);
            int offset = Math.toIntExact(c.offset()) + from;
            if (c.dataType() == DataType.DOUBLE) {
                bytes(c).asDoubleBuffer().get(offset, out, 0, n);
            } else {
                float[] f = floats(n);
                bytes(c).asFloatBuffer().get(offset, f, 0, n);
                for (int i = 0; i < n; i++) {
                    out[i] = f[i];
                }
            }
        } finally {
            Reference.reachabilityFence(c);
        }
    }

    /** {@code values} into {@code a}, which must be c-ordered and contiguous, FLOAT or DOUBLE. */
    public void write(INDArray a, double[] values) {
        write(a, Math.toIntExact(a.length()), 0, values);
    }

    /** {@code values[0 .. n)} into {@code a} from c-order index {@code from}; {@code a} as for {@link #write(INDArray, double[])}. */
    public void write(INDArray a, int n, int from, double[] values) {
        if (!isDirect(a) || (a.dataType() != DataType.DOUBLE && a.dataType() != DataType.FLOAT)) {
            throw new IllegalArgumentException("can only write into a contiguous c-ordered FLOAT or DOUBLE array, got "
                    + a.shapeInfoToString());
        }
        range(a, from, n);
        int offset = Math.toIntExact(a.offset()) + from;
        try {
            if (a.dataType() == DataType.DOUBLE) {
                bytes(a).asDoubleBuffer().put(offset, values, 0, n);
            } else {
                float[] f = floats(n);
                for (int i = 0; i < n; i++) {
                    f[i] = (float) values[i];
                }
                bytes(a).asFloatBuffer().put(offset, f, 0, n);
            }
        } finally {
            Reference.reachabilityFence(a);
        }
    }

    private static void range(INDArray a, int from, int n) {
        if (from < 0 || n < 0 || from + (long) n > a.length()) {
            throw new IndexOutOfBoundsException("values " + from + " .. " + (from + (long) n) + " of an array of " + a.length());
        }
    }

    private static boolean isDirect(INDArray a) {
        return a.ordering() == 'c' && (a.length() <= 1 || a.elementWiseStride() == 1);
    }

    private static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
