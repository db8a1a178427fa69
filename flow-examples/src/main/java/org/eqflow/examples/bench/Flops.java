package org.eqflow.examples.bench;

/**
 * Matrix-product FLOPs of the model's workloads (element-wise ops not counted), for reporting throughput
 * as a fraction of the machine's GEMM rate. An input gradient ∇E of a [d, h, h, 1] energy on one row costs
 * {@code 4h(d + h)} (two products forward, two back); a relu MLP [d, h, h, d] costs {@code 2(dh + h² + hd)}.
 * A training step counts its forward products three times (forward, and twice that for the backward pass).
 */
public final class Flops {
    private Flops() {
    }

    static double gradient(int d, int h) {
        return 4.0 * h * (d + h);
    }

    /** One flow pass: 2L + 1 energy gradients per row (∇U reused between consecutive steps). */
    static double flow(int d, int h, int steps) {
        return (2.0 * steps + 1) * gradient(d, h);
    }

    static double encoder(int d, int h) {
        return 2 * 2.0 * (d * h + (double) h * h + (double) h * d);
    }

    /** One training step on {@code batch} points with the penalty on {@code batch} base samples. */
    public static double trainStep(int d, int h, int steps, int batch) {
        double forward = batch * (flow(d, h, steps) + encoder(d, h) + 2 * gradient(d, h));
        return 3 * forward;
    }

    public static double sample(int d, int h, int steps, int batch) {
        return batch * flow(d, h, steps);
    }

    public static double logprob(int d, int h, int steps, int rows) {
        return rows * (flow(d, h, steps) + encoder(d, h));
    }
}
