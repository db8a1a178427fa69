package org.eqflow.core.fused;

/**
 * The element-wise functions of the softplus energies, on whole rows: {@code σ(a)} and
 * {@code softplus(a)} together, in two precisions:
 *
 * <ul>
 *   <li><b>double</b> ({@code Math.exp}, {@code Math.log1p}), for float64 models;</li>
 *   <li><b>float</b>, for the hidden layers of float32 models: branch-free polynomials the JIT vectorises.
 *       {@code exp(x) = (exp(x/64))^64} with a degree-8 Taylor polynomial on {@code |x/64| ≤ 1/2}
 *       ({@code |x|} clamped to 32: {@code e^{−32} ≈ 1e-14}), and {@code log1p(u)} on {@code [0, 1]} by a
 *       degree-12 Chebyshev interpolant (absolute error 2e-11 in exact arithmetic). Measured against
 *       {@code Math}: {@code σ} within 8.9e-7 absolute, softplus within 1.6e-6 (docs/maths.md).</li>
 * </ul>
 *
 * Both compute {@code e = exp(−|a|)}, {@code softplus(a) = max(a, 0) + log1p(e)} and
 * {@code σ(a) = n/(1+e)} with {@code n = 1} for {@code a ≥ 0} and {@code e} otherwise: overflow-free for any
 * {@code a}, like {@code graph.StableOps}.
 */
final class Transcendentals {
    private Transcendentals() {
    }

    /** {@code sig[i] = σ(a[i])}, {@code a[i] ← softplus(a[i])}, for {@code i < n}, in double. */
    static void sigmoidSoftplus(double[] a, double[] sig, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            double e = Math.exp(-Math.abs(x));
            sig[i] = (x >= 0 ? 1.0 : e) / (1.0 + e);
            a[i] = Math.max(x, 0.0) + Math.log1p(e);
        }
    }

    /** {@code a[i] ← σ(a[i])} for {@code i < n}, in double. */
    static void sigmoid(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            double e = Math.exp(-Math.abs(x));
            a[i] = (x >= 0 ? 1.0 : e) / (1.0 + e);
        }
    }

    // ---------------------------------------------------------------- float (float32 models' hidden layers)

    /**
     * {@code sig[i] = σ(a[i])}, {@code a[i] ← softplus(a[i])} in float, for {@code i < n}; {@code tmp} is
     * scratch of length ≥ n. Three simple loops: each vectorises, one combined loop does not.
     */
    static void sigmoidSoftplus(float[] a, float[] sig, float[] tmp, int n) {
        for (int i = 0; i < n; i++) {
            tmp[i] = fastExpOfNonPositive(-Math.abs(a[i]));
        }
        for (int i = 0; i < n; i++) {
            float x = a[i];
            float e = tmp[i];
            float step = Math.min(Math.max(x * 1e30f, 0f), 1f);
            sig[i] = (e + (1f - e) * step) / (1f + e);
        }
        for (int i = 0; i < n; i++) {
            a[i] = Math.max(a[i], 0f) + fastLog1pUnit(tmp[i]);
        }
    }

    /** {@code a[i] ← σ(a[i])} in float. */
    static void sigmoid(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            float x = a[i];
            float e = fastExpOfNonPositive(-Math.abs(x));
            float step = Math.min(Math.max(x * 1e30f, 0f), 1f);
            a[i] = (e + (1f - e) * step) / (1f + e);
        }
    }

    /** {@code exp(x)} for {@code x ≤ 0} in float: {@code (exp(x/64))^64}, degree-8 Taylor; clamped at −32. */
    static float fastExpOfNonPositive(float x) {
        float t = Math.max(x, -32f) * (1f / 64);
        float p = 1f / 40320;
        p = p * t + 1f / 5040;
        p = p * t + 1f / 720;
        p = p * t + 1f / 120;
        p = p * t + 1f / 24;
        p = p * t + 1f / 6;
        p = p * t + 0.5f;
        p = p * t + 1f;
        p = p * t + 1f;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        return p * p;
    }

    /**
     * {@code log(1 + u)} for {@code 0 ≤ u ≤ 1} in float: the degree-12 Chebyshev interpolant in
     * {@code t = 2u − 1}, in monomial form (no division).
     */
    static float fastLog1pUnit(float u) {
        float t = 2f * u - 1f;
        float p = -2.2210667595965813e-07f;
        p = p * t + 7.06109701857157e-07f;
        p = p * t + -1.5972099259740826e-06f;
        p = p * t + 5.3875424928358784e-06f;
        p = p * t + -1.911996857436506e-05f;
        p = p * t + 6.548068846566771e-05f;
        p = p * t + -0.00022859937955369269f;
        p = p * t + 0.0008229977773345486f;
        p = p * t + -0.0030864238618525754f;
        p = p * t + 0.012345685027918704f;
        p = p * t + -0.05555555529613213f;
        p = p * t + 0.3333333331164332f;
        return p * t + 0.4054651081054971f;
    }
}
