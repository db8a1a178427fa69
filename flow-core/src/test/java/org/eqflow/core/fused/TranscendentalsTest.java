package org.eqflow.core.fused;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The float σ and softplus of float32 models' hidden layers against {@code Math} on 2·10⁶ points of
 * [−40, 40] (docs/maths.md quotes these figures): σ within 1e-6 absolute, softplus within 2e-6.
 */
class TranscendentalsTest {

    @Test
    void floatSigmoidAndSoftplusAreWithinTheirStatedErrors() {
        int n = 2_000_001;
        float[] a = new float[n];
        float[] sig = new float[n];
        float[] tmp = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (-40 + 80.0 * i / (n - 1));
        }
        float[] x = a.clone();
        Transcendentals.sigmoidSoftplus(a, sig, tmp, n);
        double sigmoidError = 0;
        double softplusError = 0;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double s = 1 / (1 + Math.exp(-v));
            double sp = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
            sigmoidError = Math.max(sigmoidError, Math.abs(sig[i] - s));
            softplusError = Math.max(softplusError, Math.abs(a[i] - sp));
        }
        assertTrue(sigmoidError < 1e-6, "σ error " + sigmoidError);
        assertTrue(softplusError < 2e-6, "softplus error " + softplusError);
    }
}
