package org.eqflow.core.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eqflow.core.ModelState.NamedArray;

/**
 * A small, self-checking binary format for named double arrays:
 * {@code "EQFA"}, version, count, then per array its name, rank, shape and values (big-endian).
 * Every length is checked against the bytes actually present before anything is allocated, so a
 * corrupted file gives an error instead of a huge allocation; ND4J never parses untrusted bytes.
 */
final class ArrayCodec {
    private static final int MAGIC = 0x45514641; // "EQFA"
    private static final int VERSION = 1;
    private static final int MAX_RANK = 8;

    private ArrayCodec() {
    }

    /** The exact size of {@link #encode} for arrays of these names and shapes (names in modified UTF-8). */
    static long encodedSize(Map<String, long[]> shapes) {
        long size = 12;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long s : e.getValue()) {
                n *= s;
            }
            size += 2 + utfLength(e.getKey()) + 4 + 8L * e.getValue().length + 8 * n;
        }
        return size;
    }

    private static long utfLength(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c >= 0x0001 && c <= 0x007F ? 1 : c > 0x07FF ? 3 : 2;
        }
        return n;
    }

    static byte[] encode(Map<String, NamedArray> arrays) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(arrays.size());
            for (Map.Entry<String, NamedArray> e : arrays.entrySet()) {
                out.writeUTF(e.getKey());
                long[] shape = e.getValue().shape();
                out.writeInt(shape.length);
                for (long s : shape) {
                    out.writeLong(s);
                }
                for (double v : e.getValue().data()) {
                    out.writeDouble(v);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return bytes.toByteArray();
    }

    static Map<String, NamedArray> decode(byte[] data, String entry) throws ModelFileException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (data.length < 12 || in.readInt() != MAGIC) {
                throw new ModelFileException(entry + " is not an eqflow array block");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new ModelFileException(entry + " has array format version " + version + "; this eqflow reads " + VERSION);
            }
            int count = in.readInt();
            if (count < 0 || count > data.length) {
                throw new ModelFileException(entry + " declares " + count + " arrays, which cannot fit in " + data.length + " bytes");
            }
            Map<String, NamedArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > MAX_RANK) {
                    throw new ModelFileException(entry + ": array '" + name + "' has invalid rank " + rank);
                }
                long[] shape = new long[rank];
                long n = 1;
                for (int r = 0; r < rank; r++) {
                    shape[r] = in.readLong();
                    if (shape[r] < 0 || shape[r] > Integer.MAX_VALUE) {
                        throw new ModelFileException(entry + ": array '" + name + "' has invalid dimension " + shape[r]);
                    }
                    n *= shape[r];
                    if (n > in.available() / Double.BYTES + 1) {
                        throw new ModelFileException(entry + ": array '" + name + "' declares more values than the file holds");
                    }
                }
                if (n * Double.BYTES > in.available()) {
                    throw new ModelFileException(entry + ": array '" + name + "' declares " + n
                            + " values but only " + in.available() / Double.BYTES + " remain (truncated file?)");
                }
                double[] values = new double[(int) n];
                for (int k = 0; k < values.length; k++) {
                    values[k] = in.readDouble();
                }
                if (arrays.put(name, new NamedArray(shape, values)) != null) {
                    throw new ModelFileException(entry + ": array '" + name + "' appears twice");
                }
            }
            if (in.available() != 0) {
                throw new ModelFileException(entry + " has " + in.available() + " unexpected trailing bytes");
            }
            return arrays;
        } catch (EOFException e) {
            throw new ModelFileException(entry + " ends early (truncated file)", e);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(entry + " could not be read: " + e.getMessage(), e);
        }
    }
}
