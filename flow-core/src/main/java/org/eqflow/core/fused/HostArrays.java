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
        INDArray c = isDirect(a) ? a : a.dup('c');
        if (c.dataType() != DataType.DOUBLE && c.dataType() != DataType.FLOAT) {
            c = c.castTo(DataType.DOUBLE);
        }
        try {
            int n = Math.toIntExact(c.length());
            int offset = Math.toIntExact(c.offset());
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
        if (!isDirect(a) || (a.dataType() != DataType.DOUBLE && a.dataType() != DataType.FLOAT)) {
            throw new IllegalArgumentException("can only write into a contiguous c-ordered FLOAT or DOUBLE array, got "
                    + a.shapeInfoToString());
        }
        int n = Math.toIntExact(a.length());
        int offset = Math.toIntExact(a.offset());
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
