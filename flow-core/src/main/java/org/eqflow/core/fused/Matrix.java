package org.eqflow.core.fused;

/**
 * A row-major matrix on the Java heap, in double ({@link Dense}) or float ({@link DenseF}) precision: what
 * {@link Blas} multiplies. Float32 models keep their hidden-layer activations in {@link DenseF}, so that a
 * matrix product's operands and result cross to BLAS as plain copies and the element-wise loops run on
 * floats (twice the lanes, half the bytes); everything else, and every float64 model, stays in double.
 */
abstract sealed class Matrix permits Dense, DenseF {
    final int rows;
    final int cols;

    Matrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    final int size() {
        return rows * cols;
    }
}
