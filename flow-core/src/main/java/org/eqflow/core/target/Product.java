package org.eqflow.core.target;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Independent targets side by side: a draw is the concatenation of one draw of each factor, so
 * {@code log p(x) = Σ_i log p_i(x_i)} on the factors' blocks of coordinates and {@code H(p) = Σ_i H(p_i)} (the
 * error bounds add). Spec {@code A*B*…}, e.g. {@code ring:2,0.2*ring:1,0.15}: two independent rings in
 * {@code (x₀, x₁)} and {@code (x₂, x₃)}, whose symmetry is the direct product {@code so2:0,1 × so2:2,3} — the
 * setting of disentangled representations (docs/results.md, "Disentanglement").
 *
 * @param factors the independent parts, in coordinate order
 */
public record Product(List<Target> factors) implements Target {

    public Product {
        if (factors.size() < 2) {
            throw new IllegalArgumentException("a product target needs at least two factors, got " + factors.size());
        }
        factors = List.copyOf(factors);
    }

    @Override
    public int dimension() {
        return factors.stream().mapToInt(Target::dimension).sum();
    }

    @Override
    public double[] sample(SplittableRandom rng) {
        double[] out = new double[dimension()];
        int at = 0;
        for (Target t : factors) {
            double[] part = t.sample(rng);
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    @Override
    public double logDensity(double[] x) {
        double sum = 0;
        int at = 0;
        for (Target t : factors) {
            double[] part = new double[t.dimension()];
            System.arraycopy(x, at, part, 0, part.length);
            sum += t.logDensity(part);
            at += part.length;
        }
        return sum;
    }

    @Override
    public Entropy entropy() {
        double nats = 0;
        double bound = 0;
        for (Target t : factors) {
            Entropy e = t.entropy();
            nats += e.nats();
            bound += e.errorBound();
        }
        return new Entropy(nats, bound);
    }

    @Override
    public String spec() {
        List<String> parts = new ArrayList<>();
        factors.forEach(t -> parts.add(t.spec()));
        return String.join("*", parts);
    }
}
