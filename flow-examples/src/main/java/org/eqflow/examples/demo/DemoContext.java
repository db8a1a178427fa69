package org.eqflow.examples.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.model.DensityModel;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.train.DataSource;
import org.eqflow.core.train.Trainer;
import org.eqflow.core.train.TrainingListener;
import org.eqflow.core.train.TrainingOptions;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What every example shares: where to write, how big to run, progress reporting and the training loop. */
final class DemoContext {
    final Path out;
    final DemoSize size;
    final long seed;
    /** Seeds {@code seed … seed + seeds − 1} of the curves that carry error bars (the data-efficiency curve). */
    final int seeds;
    private final Consumer<String> progress;

    DemoContext(Path out, DemoSize size, long seed, Consumer<String> progress) {
        this(out, size, seed, 1, progress);
    }

    DemoContext(Path out, DemoSize size, long seed, int seeds, Consumer<String> progress) {
        if (seeds < 1) {
            throw new IllegalArgumentException("seeds must be >= 1, got " + seeds);
        }
        this.out = out;
        this.size = size;
        this.seed = seed;
        this.seeds = seeds;
        this.progress = progress;
    }

    /** The mean of values over seeds and its standard error {@code sd/√n} ({@code {mean, 0}} for one value). */
    static double[] meanAndError(double[] values) {
        int n = values.length;
        double mean = java.util.Arrays.stream(values).average().orElseThrow();
        double ss = java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
        return new double[] {mean, n < 2 ? 0 : Math.sqrt(ss / (n - 1) / n)};
    }

    /** A table cell: the value, or over several seeds {@code mean ± standard error}. */
    static String cell(double[] values) {
        double[] m = meanAndError(values);
        return values.length == 1 ? String.format(java.util.Locale.ROOT, "%.3f", m[0])
                : String.format(java.util.Locale.ROOT, "%.3f ± %.3f", m[0], m[1]);
    }

    void step(String what) {
        progress.accept(what);
    }

    /** A training curve: iterations and mean log-likelihoods (nats/point) on the training and test points. */
    record Curve(double[] iterations, double[] train, double[] test) {
    }

    /**
     * Trains {@code config} on {@code data} for {@code size.iterations()}, measuring the mean IWAE
     * log-likelihood of {@code trainPoints} and {@code testPoints} at {@code size.curvePoints()} moments.
     */
    Curve train(TrainableModel model, DataSource data, INDArray trainPoints, INDArray testPoints) throws IOException {
        return train(model, data, trainPoints, testPoints, size.iterations());
    }

    /** As {@link #train(TrainableModel, DataSource, INDArray, INDArray)}, for a given number of iterations. */
    Curve train(TrainableModel model, DataSource data, INDArray trainPoints, INDArray testPoints, int iterations)
            throws IOException {
        int n = size.curvePoints();
        long every = Math.max(1, iterations / n);
        List<double[]> rows = new ArrayList<>();
        TrainingListener curve = new TrainingListener() {
            @Override
            public void onStep(TrainStep step, long total, double rate) {
                long done = step.iteration() + 1;
                if (done % every == 0 || done == total) {
                    rows.add(new double[] {done, meanLogDensity(model, trainPoints), meanLogDensity(model, testPoints)});
                }
            }
        };
        rows.add(new double[] {0, meanLogDensity(model, trainPoints), meanLogDensity(model, testPoints)});
        new Trainer(model, data, null, TrainingOptions.builder().iterations(iterations).batchSize(size.batch())
                .schedule(TrainingOptions.Schedule.CONSTANT).augment(false)
                .seed(seed).build(), List.of(curve)).run();
        double[][] cols = new double[3][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int c = 0; c < 3; c++) {
                cols[c][i] = rows.get(i)[c];
            }
        }
        return new Curve(cols[0], cols[1], cols[2]);
    }

    double meanLogDensity(DensityModel model, INDArray x) {
        return Arrays.stream(model.logDensity(x, size.evalSamples(), seed)).mapToDouble(Iwae.Estimate::logDensity).average().orElseThrow();
    }

    /**
     * The examples' configuration in the data's own units. The rings and shells are centred at the origin
     * with radius 2: standardising them (radius 1.41) starts the flow at a moment-matched Gaussian, a
     * plateau that short runs do not leave (docs/results.md).
     */
    FlowConfig.Builder config(int d) {
        // The paper's setting, not the command line's defaults: one shared Hamiltonian, the ELBO, the penalty at
        // base samples with λ_0 = 1, a constant learning rate and no augmentation (see trainingOptions).
        return FlowConfig.builder(d).hidden(size.hidden()).leapfrogSteps(2).learningRate(3e-3).seed(seed)
                .separateHamiltonians(false).trainingSamples(1).penaltySites(FlowConfig.PenaltySites.BASE).initialMultiplier(1.0);
    }

    /** κ of the examples' soft models when they do not vary it (the paper's value; the library's default is 1e-3). */
    static final double KAPPA = 1e-2;

    /** {@code b} with constraint {@code c}, and κ = {@link #KAPPA} when it is soft. */
    static FlowConfig.Builder constrained(FlowConfig.Builder b, FlowConfig.Constraint c) {
        b.constraint(c);
        return c == FlowConfig.Constraint.SOFT ? b.kappa(KAPPA) : b;
    }

    /** The examples' configuration, standardised to {@code data} as the command line does by default. */
    FlowConfig.Builder standardisedConfig(double[][] data) {
        org.eqflow.core.train.Standardization s = org.eqflow.core.train.Standardization.fit(data);
        return config(data[0].length).centre(s.centre()).scale(s.scale());
    }

    static INDArray rows(double[][] x) {
        return Nd4j.create(x);
    }

    /** A square grid over [−r, r]. */
    static double[] axis(double r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = -r + 2 * r * (i + 0.5) / n;
        }
        return a;
    }

    /** All grid points (x along rows of the returned value matrix). */
    static INDArray gridPoints(double[] axis) {
        double[][] p = new double[axis.length * axis.length][];
        for (int i = 0; i < axis.length; i++) {
            for (int j = 0; j < axis.length; j++) {
                p[i * axis.length + j] = new double[] {axis[i], axis[j]};
            }
        }
        return Nd4j.create(p);
    }

    static double[][] toGrid(double[] values, int n) {
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(values, i * n, g[i], 0, n);
        }
        return g;
    }
}
