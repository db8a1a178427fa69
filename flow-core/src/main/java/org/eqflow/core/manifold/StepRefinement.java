package org.eqflow.core.manifold;

import java.util.Locale;
import java.util.function.IntToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manifold flows' check of their integrator during training: every {@value #CHECK_EVERY} updates, the
 * step-doubling estimate of the error in {@code log q} at the batch; the Runge–Kutta steps are doubled (at most to
 * {@value #MAX_STEPS}) while it exceeds {@value #TOLERANCE} nats per point. Without it, training can learn a field
 * so stiff that the fixed-step {@code log q} is wrong by more than the loss it reports (docs/manifolds.md).
 */
final class StepRefinement {
    /** Training updates between checks. */
    static final int CHECK_EVERY = 50;
    /** The largest step-doubling estimate of the error in {@code log q} that training accepts, nats per point. */
    static final double TOLERANCE = 0.01;
    /** The most Runge–Kutta steps the check raises a flow to. */
    static final int MAX_STEPS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(StepRefinement.class);
    private boolean warnedAtMax;

    /**
     * @param steps     the flow's steps now
     * @param errorAt   the step-doubling error of the batch at a number of steps
     * @param iteration the update, for the log
     * @return the steps to use from now on
     */
    int refine(int steps, IntToDoubleFunction errorAt, long iteration) {
        double error = errorAt.applyAsDouble(steps);
        while (error > TOLERANCE && 2 * steps <= MAX_STEPS) {
            steps *= 2;
            LOG.info(String.format(Locale.ROOT, "iteration %d: log q moved by %.3g nats per point between %d and %d "
                    + "Runge–Kutta steps (tolerance %s): the flow now takes %d steps", iteration, error, steps / 2, steps,
                    TOLERANCE, steps));
            error = errorAt.applyAsDouble(steps);
        }
        if (error > TOLERANCE && !warnedAtMax) {
            warnedAtMax = true;
            LOG.warn(String.format(Locale.ROOT, "iteration %d: log q is uncertain by %.3g nats per point even at %d "
                    + "Runge–Kutta steps; lower the learning rate", iteration, error, steps));
        }
        return steps;
    }

    /**
     * The step-doubling estimate of a kernel's error in {@code log q}: the mean {@code |log q_S − log q_2S|} over
     * {@code rows} samples (a non-finite difference counts as huge).
     */
    static double stepDoublingError(RungeKuttaKernel kernel, double[] x, int rows, int steps, boolean forwardInTime) {
        double[] coarse = new double[rows];
        double[] fine = new double[rows];
        kernel.integrate(x.clone(), rows, steps, forwardInTime, coarse, null);
        kernel.integrate(x.clone(), rows, 2 * steps, forwardInTime, fine, null);
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            double d = Math.abs(coarse[i] - fine[i]);
            sum += Double.isFinite(d) ? d : Double.MAX_VALUE / rows;
        }
        return sum / rows;
    }
}
