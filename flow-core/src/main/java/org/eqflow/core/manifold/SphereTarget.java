package org.eqflow.core.manifold;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Densities on the sphere S² with respect to area (total area 4π), for the sphere's flows (issue #14): von
 * Mises–Fisher densities, with the closed-form normaliser {@code κ / (4π sinh κ)}, and a mixture of bands in the
 * height z; all but {@code vmfx} are invariant under rotations about the z axis. Normalisers, entropies and moments
 * of the axis-symmetric ones by quadrature in z ({@code dA = dz dφ}); exact draws.
 *
 * <p>Specs: {@code s2:vmf:KAPPA} (about +z), {@code s2:vmfx:KAPPA} (about +x: the control that is not invariant
 * about z), {@code s2:bands} (the built-in mixture of two bands) or {@code s2:bands:W1,C1,S1,W2,C2,S2,…} (weights,
 * centres and widths in z of {@code exp(−(z − c)² / (2 s²))}).
 *
 * @param name    the spec
 * @param kind    {@code vmf}, {@code vmfx} or {@code bands}
 * @param params  κ, or the bands' (weight, centre, width) triples
 */
public record SphereTarget(String name, String kind, double[] params) {
    /** Intervals of the composite Simpson rule in z (the integrands are smooth: converged to round-off). */
    static final int QUADRATURE_INTERVALS = 20_000;

    /** Checks the parameters. */
    public SphereTarget {
        params = params.clone();
        switch (kind) {
            case "vmf", "vmfx" -> {
                if (params.length != 1 || !(params[0] > 0) || params[0] > 500) {
                    throw new IllegalArgumentException("'" + name + "': a von Mises–Fisher target needs 0 < κ <= 500");
                }
            }
            case "bands" -> {
                if (params.length == 0 || params.length % 3 != 0 || params.length > 30) {
                    throw new IllegalArgumentException("'" + name + "': bands need 1 to 10 triples weight,centre,width");
                }
                for (int i = 0; i < params.length; i += 3) {
                    if (!(params[i] > 0) || !(Math.abs(params[i + 1]) <= 1) || !(params[i + 2] >= 0.01) || params[i + 2] > 10) {
                        throw new IllegalArgumentException("'" + name + "': each band needs a weight > 0, a centre in [−1, 1] "
                                + "and a width in [0.01, 10]");
                    }
                }
            }
            default -> throw new IllegalArgumentException("'" + name + "': unknown kind " + kind);
        }
    }

    /** The built-in bands: weight 0.6 at z = 0.6 (width 0.1), weight 0.4 at z = −0.4 (width 0.15). */
    private static final double[] BANDS = {0.6, 0.6, 0.1, 0.4, -0.4, 0.15};

    /**
     * Parses a spec.
     *
     * @param spec {@code s2:vmf:KAPPA}, {@code s2:vmfx:KAPPA}, {@code s2:bands} or {@code s2:bands:W,C,S,…}
     * @return the target
     */
    public static SphereTarget parse(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        String[] parts = s.split(":", 3);
        if (parts.length < 2 || !parts[0].equals("s2")) {
            throw new IllegalArgumentException("a sphere target is s2:vmf:KAPPA, s2:vmfx:KAPPA, s2:bands or s2:bands:W,C,S,…, got '"
                    + spec + "'");
        }
        String kind = parts[1];
        if (kind.equals("bands") && parts.length == 2) {
            return new SphereTarget(s, kind, BANDS);
        }
        if (parts.length < 3) {
            throw new IllegalArgumentException("'" + spec + "': give the parameters after " + parts[0] + ":" + kind + ":");
        }
        double[] v;
        try {
            v = java.util.Arrays.stream(parts[2].split(",")).mapToDouble(x -> Double.parseDouble(x.strip())).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "': the parameters must be numbers");
        }
        return new SphereTarget(s, kind, v);
    }

    /** @return whether the density is invariant under rotations about the z axis */
    public boolean axisSymmetric() {
        return !kind.equals("vmfx");
    }

    /**
     * The unnormalised log-density at a unit vector.
     *
     * @param x the point (x, y, z) on S²
     * @return {@code log p̃(x)}
     */
    public double logUnnormalised(double[] x) {
        return switch (kind) {
            case "vmf" -> params[0] * x[2];
            case "vmfx" -> params[0] * x[0];
            default -> logBands(x[2]);
        };
    }

    private double logBands(double z) {
        double max = Double.NEGATIVE_INFINITY;
        double[] t = new double[params.length / 3];
        for (int i = 0; i < t.length; i++) {
            double d = (z - params[3 * i + 1]) / params[3 * i + 2];
            t[i] = Math.log(params[3 * i]) - 0.5 * d * d;
            max = Math.max(max, t[i]);
        }
        double sum = 0;
        for (double v : t) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** The unnormalised log-density as a function of z along the axis of symmetry (for vmfx: its own axis, x). */
    private double logProfile(double h) {
        return kind.equals("bands") ? logBands(h) : params[0] * h;
    }

    /**
     * @return {@code log Z = log ∫ p̃ dA}: closed form for von Mises–Fisher ({@code log(4π sinh κ / κ)}), the
     *         quadrature {@code log 2π ∫ exp(f(z)) dz} for bands
     */
    public double logNormaliser() {
        if (!kind.equals("bands")) {
            double k = params[0];
            // log(4π sinh κ / κ), stable for large κ: sinh κ = e^κ (1 − e^{−2κ}) / 2
            return Math.log(2 * Math.PI / k) + k + Math.log1p(-Math.exp(-2 * k));
        }
        return quadratureLogNormaliser();
    }

    /** {@code log 2π ∫_{−1}^{1} exp(f(h)) dh} by the composite Simpson rule (also for the von Mises–Fisher kinds: a check). */
    double quadratureLogNormaliser() {
        double max = Double.NEGATIVE_INFINITY;
        int m = QUADRATURE_INTERVALS;
        for (int i = 0; i <= m; i++) {
            max = Math.max(max, logProfile(-1 + 2.0 * i / m));
        }
        double sum = 0;
        for (int i = 0; i <= m; i++) {
            double w = i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.exp(logProfile(-1 + 2.0 * i / m) - max);
        }
        return Math.log(2 * Math.PI) + max + Math.log(sum * (2.0 / m) / 3);
    }

    /** @return {@code E_p[h]}, the mean height along the axis of symmetry (z; x for vmfx), by quadrature */
    public double meanHeight() {
        return expectation(h -> h);
    }

    /** @return the entropy {@code −E_p[log p]} with respect to area, nats (log 4π for the uniform density) */
    public double entropy() {
        double logZ = logNormaliser();
        return logZ - expectation(this::logProfile);
    }

    private double expectation(java.util.function.DoubleUnaryOperator g) {
        int m = QUADRATURE_INTERVALS;
        double logZ = logNormaliser();
        double sum = 0;
        for (int i = 0; i <= m; i++) {
            double h = -1 + 2.0 * i / m;
            double w = i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.exp(logProfile(h) - logZ) * g.applyAsDouble(h);
        }
        return 2 * Math.PI * sum * (2.0 / m) / 3;
    }

    /**
     * Exact draws: von Mises–Fisher by the inverse of its height's distribution, bands by rejection from the
     * uniform height (uniform on S² is uniform in z and φ).
     *
     * @param count the number of draws
     * @param rng   the random source
     * @return {@code [count][3]} unit vectors
     */
    public double[][] sample(int count, SplittableRandom rng) {
        double[][] out = new double[count][];
        // Each band is at most its weight, so the mixture's log-profile is at most log Σ w: a bound for rejection.
        double max = 0;
        if (kind.equals("bands")) {
            double w = 0;
            for (int i = 0; i < params.length; i += 3) {
                w += params[i];
            }
            max = Math.log(w);
        }
        for (int i = 0; i < count; i++) {
            double h;
            if (kind.equals("bands")) {
                do {
                    h = 2 * rng.nextDouble() - 1;
                } while (rng.nextDouble() >= Math.exp(logBands(h) - max));
            } else {
                double k = params[0];
                double u = rng.nextDouble();
                h = 1 + Math.log(u + (1 - u) * Math.exp(-2 * k)) / k;
            }
            double phi = 2 * Math.PI * rng.nextDouble();
            double r = Math.sqrt(Math.max(0, 1 - h * h));
            out[i] = kind.equals("vmfx") ? new double[] {h, r * Math.cos(phi), r * Math.sin(phi)}
                    : new double[] {r * Math.cos(phi), r * Math.sin(phi), h};
        }
        return out;
    }
}
