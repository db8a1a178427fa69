package org.eqflow.examples.cli;

import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.train.TrainingListener;
import org.eqflow.core.train.TrainingResult;

/** A progress bar on standard error for a training run, with the latest loss and throughput. */
final class ProgressListener implements TrainingListener, AutoCloseable {
    private final ProgressBar bar;

    ProgressListener(String task, long start, long total) {
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(start, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(500).build();
    }

    /** True when standard error is probably a terminal, so a progress bar is wanted. */
    static boolean wanted() {
        return System.console() != null;
    }

    @Override
    public void onStep(TrainStep step, long totalIterations, double samplesPerSecond) {
        bar.stepTo(step.iteration() + 1);
        bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f, %.0f/s", step.loss(), samplesPerSecond));
    }

    @Override
    public void onEnd(TrainingResult result) {
        close();
    }

    @Override
    public void close() {
        bar.close();
    }
}
