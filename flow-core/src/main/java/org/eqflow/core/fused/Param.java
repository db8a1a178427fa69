package org.eqflow.core.fused;

/** A model parameter as the fused path holds it: its value and its gradient, both {@link Dense}. */
final class Param {
    final String name;
    final Dense value;
    final Dense grad;

    Param(String name, int rows, int cols) {
        this.name = name;
        this.value = new Dense(rows, cols);
        this.grad = new Dense(rows, cols);
    }
}
