package org.eqflow.core.eval;

/** Running mean and variance (Welford's method), and the standard error of the mean. */
public final class Moments {
    private long n;
    private double mean;
    private double m2;

    /**
     * Adds a value.
     *
     * @param x the value
     */
    public void add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    /**
     * Adds values.
     *
     * @param xs the values
     * @return this
     */
    public Moments addAll(double[] xs) {
        for (double x : xs) {
            add(x);
        }
        return this;
    }

    /** @return the number of values */
    public long count() {
        return n;
    }

    /** @return their mean */
    public double mean() {
        return mean;
    }

    /** @return the standard error of the mean, NaN for fewer than two values */
    public double stderr() {
        return n < 2 ? Double.NaN : Math.sqrt(m2 / (n - 1) / n);
    }
}
