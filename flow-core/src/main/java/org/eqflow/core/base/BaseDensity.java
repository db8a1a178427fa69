package org.eqflow.core.base;

import java.util.Locale;
import java.util.SplittableRandom;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The base density {@code π(s)} on phase space {@code R^{2d}}, a product of one 1-D density per
 * coordinate (both presets are): {@code log π(q, p) = Σ_i f(q_i) + Σ_i f(p_i)}.
 */
public interface BaseDensity {

    /** The 1-D log-density {@code f(x)} of one coordinate, in plain Java (reference and tests). */
    double logDensityCoordinate(double x);

    /** Its derivative {@code f'(x)} as graph ops, element-wise. */
    SDVariable gradLogDensityCoordinate(SameDiff sd, SDVariable x);

    /** {@code f'(x)}, the derivative of {@link #logDensityCoordinate(double)} (the fused training path uses it). */
    double gradLogDensityCoordinate(double x);

    /** {@code f(x)} as graph ops, element-wise. */
    SDVariable logDensityCoordinate(SameDiff sd, SDVariable x);

    /** One exact draw of a coordinate. */
    double sampleCoordinate(SplittableRandom rng);

    /** The specification string that {@link #parse} reads back, e.g. {@code soft-uniform:4.0,8.0}. */
    String spec();

    /** {@code log π(s)}, shape {@code [B]}. */
    default SDVariable logDensity(SameDiff sd, PhaseState s) {
        return logDensityCoordinate(sd, s.q()).sum(1).add(logDensityCoordinate(sd, s.p()).sum(1));
    }

    /** {@code (∂ log π/∂q, ∂ log π/∂p)}. */
    default PhaseState gradLogDensity(SameDiff sd, PhaseState s) {
        return new PhaseState(gradLogDensityCoordinate(sd, s.q()), gradLogDensityCoordinate(sd, s.p()));
    }

    /** {@code n} exact samples of the state, {@code [n, 2d]} with {@code q} in the first {@code d} columns. */
    default INDArray sample(long n, int d, SplittableRandom rng, DataType dataType) {
        double[] v = new double[Math.toIntExact(n * 2 * d)];
        for (int i = 0; i < v.length; i++) {
            v[i] = sampleCoordinate(rng);
        }
        return Nd4j.create(v, new long[] {n, 2L * d}, DataType.DOUBLE).castTo(dataType);
    }

    /** Reads {@code normal} or {@code soft-uniform:w,beta}. */
    static BaseDensity parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("normal")) {
            return new StandardNormal();
        }
        if (s.startsWith("soft-uniform:")) {
            String[] parts = s.substring("soft-uniform:".length()).split(",");
            if (parts.length == 2) {
                try {
                    return new SoftUniform(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()));
                } catch (NumberFormatException e) {
                    // fall through to the error below
                }
            }
        }
        throw new IllegalArgumentException("unknown base density '" + spec
                + "': use 'normal' or 'soft-uniform:W,BETA' (for example soft-uniform:4,8)");
    }
}
