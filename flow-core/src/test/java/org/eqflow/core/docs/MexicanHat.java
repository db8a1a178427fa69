package org.eqflow.core.docs;

import org.eqflow.core.target.UnnormalisedTarget;

/** The Mexican hat E(x) = β (|x|² − 1)² in the plane: a ring of minima, invariant under rotations. */
public final class MexicanHat implements UnnormalisedTarget {
    private final double beta;

    /** {@code --energy class:org.eqflow.core.docs.MexicanHat} (β = 4). */
    public MexicanHat() {
        this("4");
    }

    /** {@code --energy class:org.eqflow.core.docs.MexicanHat:BETA}. */
    public MexicanHat(String beta) {
        this.beta = Double.parseDouble(beta);
        if (!(this.beta > 0) || Double.isInfinite(this.beta)) {
            throw new IllegalArgumentException("beta must be a positive number, got " + beta);
        }
    }

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public double energy(double[] x) {
        double s = x[0] * x[0] + x[1] * x[1] - 1;
        return beta * s * s;
    }

    @Override
    public double energyAndGradient(double[] x, double[] gradient) {
        double s = x[0] * x[0] + x[1] * x[1] - 1;
        gradient[0] = 4 * beta * s * x[0];
        gradient[1] = 4 * beta * s * x[1];
        return beta * s * s;
    }

    @Override
    public String symmetry() {
        return "so2";
    }

    @Override
    public String spec() {
        return "class:" + MexicanHat.class.getName() + ":" + beta;
    }
}
