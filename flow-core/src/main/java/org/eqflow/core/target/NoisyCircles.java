package org.eqflow.core.target;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Equal-weight concentric circles of radii {@code r_k}, uniform angle, blurred by isotropic Gaussian noise
 * {@code N(0, σ² I)}: the i.i.d. continuous version of FFJORD's {@code rings} (radii 0.75, 1.5, 2.25, 3,
 * σ = 0.08) and {@code circles} (radii 1.5, 3, σ = 0.24). Each component's density is exact,
 * {@code p_k(x) = exp(−(|x| − r_k)²/(2σ²)) · I0e(|x| r_k/σ²) / (2πσ²)}; the entropy is estimated by
 * Monte Carlo with 4 standard errors as its bound. SO(2)-invariant.
 */
public record NoisyCircles(String name, double[] radii, double sigma) implements Target {

    /** The {@code rings} target. */
    public static NoisyCircles rings() {
        return new NoisyCircles("rings", new double[] {0.75, 1.5, 2.25, 3.0}, 0.08);
    }

    /** The {@code circles} target. */
    public static NoisyCircles circles() {
        return new NoisyCircles("circles", new double[] {1.5, 3.0}, 0.24);
    }

    @Override
    public int dimension() {
        return 2;
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double r = radii[rng.nextInt(radii.length)];
        double a = 2 * Math.PI * rng.nextDouble();
        return new double[] {r * Math.cos(a) + sigma * rng.nextGaussian(), r * Math.sin(a) + sigma * rng.nextGaussian()};
    }

    @Override
    public double logDensity(double[] x) {
        double n = Math.hypot(x[0], x[1]);
        double s2 = sigma * sigma;
        double[] terms = new double[radii.length];
        for (int k = 0; k < radii.length; k++) {
            double z = n * radii[k] / s2;
            // log I0(z) − z + (−(n² + r²)/(2σ²) + z) = log I0(z) − (n − r)²/(2σ²) − z ... combined exactly:
            terms[k] = Special.logBesselI0(z) - (n * n + radii[k] * radii[k]) / (2 * s2);
        }
        return Special.logSumExp(terms) - Math.log(radii.length) - Math.log(2 * Math.PI * s2);
    }

    @Override
    public Entropy entropy() {
        return MonteCarlo.entropy(this);
    }

    @Override
    public String spec() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoisyCircles c && c.name.equals(name) && Arrays.equals(c.radii, radii) && c.sigma == sigma;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(radii);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(radii=%s, sigma=%s)", name, Arrays.toString(radii), sigma);
    }
}
