package org.eqflow.core.fused;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Leap-Frog flow of the fused engine: its Hamiltonians as gradient-kernel factories, its step sizes,
 * and {@link Tape}, one integration of a batch kept for its backward pass. The same tape serves the
 * inverse flow of the ELBO (data to base, blocks {@code L..1} with {@code −ε}) and the forward flow of
 * sampling and of the penalty along the flow (base to data, blocks {@code 1..L} with {@code +ε}), as
 * {@code flow.HamiltonianFlow#integrate} does in the graph.
 */
final class FusedFlow {
    /** Makes the gradient kernel of one energy for a batch size, conditioned on the rows' context {@code [batch, k]} (null: none). */
    interface KernelFactory {
        GradientKernel create(int batch, SoftplusGradient.Scratch scratch, RowContext context);
    }

    /** A separable Hamiltonian: kernels of {@code ∇K} and {@code ∇U}. */
    record Hamiltonian(KernelFactory kinetic, KernelFactory potential) {
    }

    private final List<Hamiltonian> hamiltonians;
    private final int steps;
    private final int dimension;
    private final double fixedStep;
    /** {@code log ε_i} of each block when the step sizes are learned, else empty. */
    private final List<Param> logSteps;

    FusedFlow(List<Hamiltonian> hamiltonians, int steps, int dimension, double fixedStep, List<Param> logSteps) {
        this.hamiltonians = List.copyOf(hamiltonians);
        this.steps = steps;
        this.dimension = dimension;
        this.fixedStep = fixedStep;
        this.logSteps = List.copyOf(logSteps);
    }

    int steps() {
        return steps;
    }

    List<Hamiltonian> hamiltonians() {
        return hamiltonians;
    }

    double stepSize(int block) {
        return logSteps.isEmpty() ? fixedStep : Math.exp(logSteps.get(block).value.v[0]);
    }

    private int hamiltonianOf(int block) {
        return hamiltonians.size() == 1 ? 0 : block;
    }

    /**
     * One integration of a batch: states {@code q[0..L]}, {@code p[0..L]} (the caller fills {@code q[0]},
     * {@code p[0]}), the half-step momenta and every kernel, kept for {@link #backward}.
     */
    final class Tape {
        final int batch;
        final boolean inverse;
        final Dense[] q;
        final Dense[] p;
        private final Dense[] pHalf;
        private final double[] h;
        private final int[] block;
        private final GradientKernel[] start;
        private final GradientKernel[] end;
        private final GradientKernel[] kin;
        private final List<GradientKernel> potentialNodes = new ArrayList<>();
        private final Map<GradientKernel, Dense> upstream = new IdentityHashMap<>();
        private final Dense scaled;
        /** The rows' context {@code [batch, k]} of a conditional model (the caller fills it), else null. */
        final RowContext context;

        Tape(int batch, boolean inverse, SoftplusGradient.Scratch scratch, RowContext context) {
            this.batch = batch;
            this.inverse = inverse;
            this.context = context;
            q = new Dense[steps + 1];
            p = new Dense[steps + 1];
            pHalf = new Dense[steps];
            for (int n = 0; n <= steps; n++) {
                q[n] = new Dense(batch, dimension);
                p[n] = new Dense(batch, dimension);
            }
            h = new double[steps];
            block = new int[steps];
            start = new GradientKernel[steps];
            end = new GradientKernel[steps];
            kin = new GradientKernel[steps];
            boolean shared = hamiltonians.size() == 1;
            for (int n = 0; n < steps; n++) {
                pHalf[n] = new Dense(batch, dimension);
                block[n] = inverse ? steps - 1 - n : n;
                Hamiltonian ham = hamiltonians.get(hamiltonianOf(block[n]));
                start[n] = shared && n > 0 ? end[n - 1] : potentialNode(ham, scratch);
                end[n] = potentialNode(ham, scratch);
                kin[n] = ham.kinetic().create(batch, scratch, context);
            }
            scaled = new Dense(batch, dimension);
        }

        private GradientKernel potentialNode(Hamiltonian ham, SoftplusGradient.Scratch scratch) {
            GradientKernel g = ham.potential().create(batch, scratch, context);
            potentialNodes.add(g);
            upstream.put(g, new Dense(batch, dimension));
            return g;
        }

        /** Integrates from {@code (q[0], p[0])}; the final state is {@code (q[L], p[L])}. */
        void forward() {
            forward(true);
        }

        /**
         * Integrates from {@code (q[0], p[0])}; without {@code finalMomentum} the last half-step of the
         * momentum (and the potential's gradient at {@code q[L]}) is skipped: {@code p[L]} is then stale and
         * the tape cannot be back-propagated.
         */
        void forward(boolean finalMomentum) {
            for (int n = 0; n < steps; n++) {
                h[n] = (inverse ? -1 : 1) * stepSize(block[n]);
                Dense gU0 = n > 0 && start[n] == end[n - 1] ? start[n].out() : start[n].forward(q[n]);
                pHalf[n].setSum(p[n], -h[n] / 2, gU0);
                Dense gK = kin[n].forward(pHalf[n]);
                q[n + 1].setSum(q[n], h[n], gK);
                if (n == steps - 1 && !finalMomentum) {
                    break;
                }
                Dense gU1 = end[n].forward(q[n + 1]);
                p[n + 1].setSum(pHalf[n], -h[n] / 2, gU1);
            }
        }

        /**
         * Back-propagates adjoints through the integration, accumulating every weight's (and learned step
         * size's) gradient. On entry {@code qBar}, {@code pBar} hold the adjoint of the final state; adjoints
         * of intermediate states are added from {@code qAt[n]}, {@code pAt[n]} (arrays of {@code L + 1}, or
         * null; entries may be null). On return they hold the adjoint of the initial state — its position
         * part only if {@code needInitialQ}.
         */
        void backward(Dense qBar, Dense pBar, Dense[] qAt, Dense[] pAt, boolean needInitialQ) {
            for (GradientKernel node : potentialNodes) {
                upstream.get(node).zero();
            }
            for (int n = steps - 1; n >= 0; n--) {
                inject(qBar, pBar, qAt, pAt, n + 1);
                GradientKernel e = end[n];
                GradientKernel s = start[n];
                double hBar = 0;
                // p_{n+1} = p½ − (h/2) ∇U(q_{n+1})
                hBar += -0.5 * pBar.dot(e.out());
                upstream.get(e).addScaled(-h[n] / 2, pBar);
                e.backward(upstream.get(e), qBar);
                // q_{n+1} = q_n + h ∇K(p½)
                hBar += qBar.dot(kin[n].out());
                scaled.setScaled(h[n], qBar);
                kin[n].backward(scaled, pBar);
                // p½ = p_n − (h/2) ∇U(q_n)
                hBar += -0.5 * pBar.dot(s.out());
                upstream.get(s).addScaled(-h[n] / 2, pBar);
                if (n == 0 || s != end[n - 1]) {
                    s.backward(upstream.get(s), n == 0 && !needInitialQ ? null : qBar);
                }
                if (!logSteps.isEmpty()) {
                    // h = ±exp(log ε): dh/dlog ε = h
                    logSteps.get(block[n]).grad.v[0] += hBar * h[n];
                }
            }
            inject(qBar, pBar, qAt, pAt, 0);
        }

        private void inject(Dense qBar, Dense pBar, Dense[] qAt, Dense[] pAt, int state) {
            if (qAt != null && qAt[state] != null) {
                qBar.addScaled(1.0, qAt[state]);
            }
            if (pAt != null && pAt[state] != null) {
                pBar.addScaled(1.0, pAt[state]);
            }
        }
    }
}
