package org.eqflow.core.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.eqflow.core.model.TrainStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs training through SLF4J every {@code every} steps: loss, ELBO (of the batch, in the model's scaled
 * coordinates), the penalty and multiplier of each generator, learning rate and the throughput since the
 * previous line; also validations, checkpoints and skipped steps.
 */
public final class LoggingListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingListener.class);
    private final int every;
    private final List<String> generators;
    private final String dataTerm;
    private double inverseRates;
    private int steps;

    /** Logs every {@code every} steps, naming the constraints after {@code generatorNames}. */
    public LoggingListener(int every, List<String> generatorNames) {
        this(every, generatorNames, "ELBO");
    }

    /** @param dataTerm what the batch's mean log-likelihood term is called in the log ({@code ELBO}, or {@code log p} when exact) */
    public LoggingListener(int every, List<String> generatorNames, String dataTerm) {
        this.every = Math.max(1, every);
        this.generators = List.copyOf(generatorNames);
        this.dataTerm = dataTerm;
    }

    @Override
    public void onStep(TrainStep s, long total, double samplesPerSecond) {
        if (s.skipped()) {
            LOG.warn("iteration {}: loss or gradient not finite, step skipped, learning rate halved to {}",
                    s.iteration(), s.learningRate());
            return;
        }
        inverseRates += 1 / samplesPerSecond;
        steps++;
        if ((s.iteration() + 1) % every != 0) {
            return;
        }
        // Throughput over the steps since the last line (harmonic mean: equal batches), not one step's.
        double rate = steps / inverseRates;
        inverseRates = 0;
        steps = 0;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "iteration %d/%d  loss %.4f  %s %.4f",
                s.iteration() + 1, total, s.loss(), dataTerm, -s.negElbo()));
        for (int k = 0; k < s.constraints().length; k++) {
            b.append(String.format(Locale.ROOT, "  C[%s] %.3g", k < generators.size() ? generators.get(k) : k, s.constraints()[k]));
            if (k < s.multipliers().length) {
                b.append(String.format(Locale.ROOT, " λ %.3g", s.multipliers()[k]));
            }
        }
        b.append(String.format(Locale.ROOT, "  lr %.2g  %.0f samples/s", s.learningRate(), rate));
        LOG.info(b.toString());
    }

    @Override
    public void onValidation(long iteration, double value, boolean improved) {
        LOG.info(String.format(Locale.ROOT, "iteration %d: validation log p %.4f nats/point%s", iteration, value,
                improved ? " (best so far)" : ""));
    }

    @Override
    public void onCheckpoint(long iteration, Path file) {
        LOG.debug("iteration {}: checkpoint written to {}", iteration, file);
    }

}
