package org.eqflow.core.manifold;

import java.util.Arrays;

/**
 * The integrator of the manifold flows' fused engines: the classical Runge–Kutta method in fixed steps on a state of
 * {@link #width} numbers per sample, with {@code d log q/dt = −div}, and its reverse mode stage by stage (discretise,
 * then differentiate: the gradients are those of the graph's loss). A subclass supplies the field, its
 * vector–Jacobian product and, for a state embedded in a larger space, the retraction applied after each step
 * (the sphere's normalisation); the reverse mode recomputes each stage's field instead of keeping it.
 */
abstract class RungeKuttaKernel {
    private static final double[] STAGE_TIME = {0, 0.5, 0.5, 1};
    private static final double[] STAGE_WEIGHT = {1, 2, 2, 1};
    /** Numbers per sample. */
    final int width;
    /** The potential network; its owner keeps the weights current. */
    final DirectionalMlp mlp;

    RungeKuttaKernel(int width, DirectionalMlp mlp) {
        this.width = width;
        this.mlp = mlp;
    }

    /**
     * The field at states {@code x [B·width]} and time t: velocity {@code v [B·width]}, divergence {@code div [B]},
     * and (if not null) the potential {@code phi [B]}. Keeps what {@link #backward} needs.
     */
    abstract void field(double[] x, int batch, double t, double[] v, double[] div, double[] phi);

    /**
     * The vector–Jacobian product of the last {@link #field} call: from cotangents {@code gv} of the velocity and
     * {@code gdiv} of the divergence, adds the weight gradients and writes the state's cotangent into {@code gx}.
     */
    abstract void backward(double[] x, int batch, double[] v, double[] gv, double[] gdiv, double[] gx);


    /** Maps the end of each step back onto the manifold (in place); none by default. */
    void retract(double[] x, int batch) {
    }

    /** The reverse mode of {@link #retract}: {@code g} (in place) from the retracted state's cotangent to that of {@code before}. */
    void retractBackward(double[] before, int batch, double[] g) {
    }

    /**
     * Runge–Kutta from t = 0 to 1 ({@code forwardInTime}) or from 1 to 0: the end state overwrites {@code x}, and
     * {@code logq [B]} gets {@code −∫_0^1 div dt} along the path.
     *
     * @param stages if not null, {@code [steps·5][B·width]}: the input of each stage and the step's end before the
     *               retraction (for the reverse mode)
     */
    final void integrate(double[] x, int batch, int steps, boolean forwardInTime, double[] logq, double[][] stages) {
        int rows = batch * width;
        double h = (forwardInTime ? 1.0 : -1.0) / steps;
        double[][] k = new double[4][rows];
        double[][] d = new double[4][batch];
        double[] y = new double[rows];
        Arrays.fill(logq, 0, batch, 0.0);
        for (int step = 0; step < steps; step++) {
            double t = forwardInTime ? step / (double) steps : 1.0 - step / (double) steps;
            for (int stage = 0; stage < 4; stage++) {
                double scale = stage == 0 ? 0 : stage == 3 ? h : h / 2;
                for (int i = 0; i < rows; i++) {
                    y[i] = stage == 0 ? x[i] : x[i] + k[stage - 1][i] * scale;
                }
                if (stages != null) {
                    System.arraycopy(y, 0, stages[step * 5 + stage], 0, rows);
                }
                field(y, batch, t + STAGE_TIME[stage] * h, k[stage], d[stage], null);
            }
            for (int i = 0; i < rows; i++) {
                x[i] += (k[0][i] + k[1][i] * 2.0 + k[2][i] * 2.0 + k[3][i]) * (h / 6);
            }
            if (stages != null) {
                System.arraycopy(x, 0, stages[step * 5 + 4], 0, rows);
            }
            retract(x, batch);
            for (int b = 0; b < batch; b++) {
                logq[b] -= (d[0][b] + d[1][b] * 2.0 + d[2][b] * 2.0 + d[3][b]) * (Math.abs(h) / 6);
            }
        }
    }

    /**
     * The reverse mode of {@link #integrate} after a call that kept its {@code stages}: from the cotangents of the end
     * state {@code gx [B·width]} (overwritten with the start's) and of {@code logq} ({@code gLogq [B]}), adds the
     * weight gradients (zeroed first).
     */
    final void reverse(int batch, int steps, boolean forwardInTime, double[][] stages, double[] gx, double[] gLogq) {
        int rows = batch * width;
        mlp.zeroGradients();
        double h = (forwardInTime ? 1.0 : -1.0) / steps;
        double[][] gk = new double[4][rows];
        double[] gd = new double[batch];
        double[] gStage = new double[rows];
        double[] v = new double[rows];
        double[] div = new double[batch];
        for (int step = steps - 1; step >= 0; step--) {
            double t = forwardInTime ? step / (double) steps : 1.0 - step / (double) steps;
            retractBackward(stages[step * 5 + 4], batch, gx);
            for (int s = 0; s < 4; s++) {
                for (int i = 0; i < rows; i++) {
                    gk[s][i] = gx[i] * STAGE_WEIGHT[s] * h / 6;
                }
            }
            for (int s = 3; s >= 0; s--) {
                // log q −= (|h|/6) Σ_s w_s div_s
                for (int b = 0; b < batch; b++) {
                    gd[b] = -gLogq[b] * STAGE_WEIGHT[s] * Math.abs(h) / 6;
                }
                double[] y = stages[step * 5 + s];
                field(y, batch, t + STAGE_TIME[s] * h, v, div, null);
                backward(y, batch, v, gk[s], gd, gStage);
                double scale = s == 3 ? h : h / 2;
                for (int i = 0; i < rows; i++) {
                    gx[i] += gStage[i];
                    if (s > 0) {
                        gk[s - 1][i] += gStage[i] * scale;
                    }
                }
            }
        }
    }
}
