package org.eqflow.core.fused;

/**
 * The fused form of an energy's input gradient {@code G = ∇E(x)} at one batch: what the Leap-Frog flow and
 * the bracket penalty need of an energy ({@code energy.Energy#gradient} is its graph form). One instance per
 * place the gradient is evaluated in a step; it keeps its forward activations until {@link #backward}.
 */
interface GradientKernel {

    /** Computes {@code ∇E(x)} into {@link #out()} and returns it; {@code x} must stay unchanged until {@link #backward}. */
    Dense forward(Dense x);

    /** The last {@link #forward} result, {@code [B, d]}. */
    Dense out();

    /**
     * Accumulates {@code ∂⟨upstream, G⟩/∂θ} into the weights' gradients and, when {@code inputAdjoint} is
     * not null, adds {@code ∂⟨upstream, G⟩/∂x} (a Hessian-vector product) to it.
     */
    void backward(Dense upstream, Dense inputAdjoint);

    /** The fixed {@code E = |x|²/2}: {@code ∇E = x}, no weights, Hessian the identity. */
    static GradientKernel quadratic() {
        return new GradientKernel() {
            private Dense x;

            @Override
            public Dense forward(Dense input) {
                x = input;
                return input;
            }

            @Override
            public Dense out() {
                return x;
            }

            @Override
            public void backward(Dense upstream, Dense inputAdjoint) {
                if (inputAdjoint != null) {
                    inputAdjoint.addScaled(1.0, upstream);
                }
            }
        };
    }
}
