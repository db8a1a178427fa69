package org.eqflow.core.base;

import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The standard normal {@code N(0, I_{2d})}: {@code f(x) = −x²/2 − ½ log 2π}. It is invariant under
 * every linear generator {@code pᵀAq} with antisymmetric {@code A}, since {@code {g_A, log π} = qᵀAq − pᵀAp}.
 */
public record StandardNormal() implements BaseDensity {
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    @Override
    public double logDensityCoordinate(double x) {
        return -0.5 * x * x - HALF_LOG_2PI;
    }

    @Override
    public SDVariable logDensityCoordinate(SameDiff sd, SDVariable x) {
        return x.mul(x).mul(-0.5).sub(HALF_LOG_2PI);
    }

    @Override
    public SDVariable gradLogDensityCoordinate(SameDiff sd, SDVariable x) {
        return x.neg();
    }

    @Override
    public double gradLogDensityCoordinate(double x) {
        return -x;
    }

    @Override
    public double sampleCoordinate(SplittableRandom rng) {
        return rng.nextGaussian();
    }

    @Override
    public String spec() {
        return "normal";
    }
}
