package org.eqflow.examples.demo;

/**
 * How big the demo's runs are. {@code DEFAULT} finishes in a few minutes on a 2-core laptop; {@code FULL}
 * uses the paper's network sizes and long training; {@code TINY} only checks that everything runs (tests).
 *
 * @param hidden      MLP width
 * @param iterations  optimiser updates per model
 * @param batch       points per update
 * @param evalPoints  held-out points per evaluation
 * @param evalSamples importance samples M for curves and tables
 * @param grid        heat-map resolution (grid × grid)
 * @param curvePoints evaluations along each training curve
 */
public record DemoSize(String name, int hidden, int iterations, int batch, int evalPoints, int evalSamples, int grid, int curvePoints) {
    public static final DemoSize TINY = new DemoSize("tiny", 8, 12, 32, 64, 4, 8, 2);
    public static final DemoSize QUICK = new DemoSize("quick", 16, 300, 128, 500, 16, 30, 5);
    public static final DemoSize DEFAULT = new DemoSize("default", 32, 800, 128, 1000, 32, 50, 8);
    public static final DemoSize FULL = new DemoSize("full", 128, 10_000, 256, 10_000, 256, 80, 20);
}
