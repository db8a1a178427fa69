package org.eqflow.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.TestSupport;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.target.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {
    @TempDir
    Path dir;

    private static FlowConfig config(FlowConfig.Precision precision) {
        return FlowConfig.builder(2).hidden(16).symmetry("so2").precision(precision).seed(3).build();
    }

    @Test
    void everyEpochVisitsEveryPointOnce() {
        double[][] pts = new double[10][];
        for (int i = 0; i < 10; i++) {
            pts[i] = new double[] {i, -i};
        }
        FiniteData data = new FiniteData(pts, 1);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Double> seen = new HashSet<>();
            for (int b = 0; b < 4; b++) {
                INDArray batch = data.batch(epoch * 4L + b, 3);
                assertEquals(b == 3 ? 1 : 3, batch.rows());
                for (int r = 0; r < batch.rows(); r++) {
                    seen.add(batch.getDouble(r, 0));
                }
            }
            assertEquals(10, seen.size(), "epoch " + epoch);
        }
        assertEquals(data.batch(5, 3), new FiniteData(pts, 1).batch(5, 3), "batches are a function of (seed, iteration)");
    }

    /** Cosine decay: 1 at the start, 1/2 half-way, 0 at the end; a zero scale leaves every weight where it was. */
    @Test
    void cosineScheduleDecaysToZero() {
        TrainingOptions.Schedule cos = TrainingOptions.Schedule.COSINE;
        assertEquals(1.0, cos.scale(0, 100), 1e-15);
        assertEquals(0.5, cos.scale(50, 100), 1e-15);
        assertEquals(0.0, cos.scale(100, 100), 1e-15);
        assertEquals(1.0, TrainingOptions.Schedule.CONSTANT.scale(100, 100));
        TrainingOptions.Schedule budget = TrainingOptions.Schedule.BUDGET;
        assertEquals(0.5, budget.scale(10, 100, 0.5), 1e-15, "half the time budget spent: half-way down");
        assertEquals(0.5, budget.scale(50, 100, 0.1), 1e-15, "half the iterations done: half-way down");
        assertEquals(0.0, budget.scale(1, 100, 1.0), 1e-15);
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config(FlowConfig.Precision.FLOAT64));
        INDArray before = m.graph().getVariable(m.parameterNames().get(0)).getArr().dup();
        m.setLearningRateScale(0.0);
        TrainStep step = m.trainStep(TestSupport.rows(Targets.parse("ring").sample(16, new SplittableRandom(3))));
        assertEquals(0.0, step.learningRate());
        assertEquals(before, m.graph().getVariable(m.parameterNames().get(0)).getArr());
    }

    /** A run stopped at a checkpoint and resumed ends bitwise where the uninterrupted run ends (float64). */
    @Test
    void resumedRunMatchesUninterruptedRun() throws IOException {
        for (FlowConfig.Precision precision : FlowConfig.Precision.values()) {
            DataSource data = new TargetData(Targets.parse("ring"), 7);
            INDArray validation = TestSupport.rows(Targets.parse("ring").sample(50, new SplittableRandom(2)));
            // PLATEAU: its halvings are part of the saved state (BUDGET, the default, depends on the clock)
            TrainingOptions.Builder opts = TrainingOptions.builder().batchSize(32).validateEvery(4).patience(0)
                    .validationSamples(4).seed(9).schedule(TrainingOptions.Schedule.PLATEAU);

            EquivariantHamiltonianFlow whole = EquivariantHamiltonianFlow.create(config(precision));
            new Trainer(whole, data, validation, opts.iterations(12).out(dir.resolve("whole-" + precision + ".zip")).build(),
                    List.of()).run();

            Path ckpt = dir.resolve("ckpt-" + precision);
            EquivariantHamiltonianFlow first = EquivariantHamiltonianFlow.create(config(precision));
            new Trainer(first, data, validation, opts.iterations(8).checkpointEvery(4).checkpointDir(ckpt)
                    .out(dir.resolve("part-" + precision + ".zip")).build(), List.of()).run();
            Trainer resumed = Trainer.resume(ckpt, data, validation, opts.iterations(12).checkpointEvery(4).checkpointDir(ckpt)
                    .out(dir.resolve("part-" + precision + ".zip")).build(), List.of());
            assertEquals(8, ((EquivariantHamiltonianFlow) resumed.model()).iteration());
            TrainingResult r = resumed.run();
            assertEquals(12, r.iterations());
            for (String name : whole.parameterNames()) {
                INDArray a = whole.graph().getVariable(name).getArr();
                INDArray b = ((EquivariantHamiltonianFlow) resumed.model()).graph().getVariable(name).getArr();
                if (precision == FlowConfig.Precision.FLOAT64) {
                    assertEquals(a, b, name);
                } else {
                    assertTrue(a.sub(b).amaxNumber().doubleValue() <= 1e-6 * Math.max(1, a.amaxNumber().doubleValue()), name);
                }
            }
            assertTrue(Arrays.equals(whole.multipliers(), ((EquivariantHamiltonianFlow) resumed.model()).multipliers()));
        }
    }

    @Test
    void outHoldsTheBestModelAndEarlyStoppingStops() throws IOException {
        DataSource data = new TargetData(Targets.parse("ring"), 7);
        INDArray validation = TestSupport.rows(Targets.parse("ring").sample(100, new SplittableRandom(2)));
        Path out = dir.resolve("best.zip");
        List<Double> scores = new ArrayList<>();
        TrainingListener record = new TrainingListener() {
            @Override
            public void onValidation(long iteration, double value, boolean improved) {
                scores.add(value);
            }
        };
        // A huge learning rate makes validation scores erratic, so patience 2 ends the run early.
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(16).learningRate(0.3)
                .seed(1).build());
        TrainingResult r = new Trainer(m, data, validation, TrainingOptions.builder().iterations(400).batchSize(32)
                .validateEvery(2).patience(2).validationSamples(8).seed(5).out(out).warmup(0).build(), List.of(record)).run();
        assertTrue(r.stoppedEarly(), "validation " + scores);
        assertTrue(r.iterations() < 400);
        double best = scores.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertEquals(best, r.bestValidation(), 0.0);
        EquivariantHamiltonianFlow saved = ModelFile.load(out);
        assertEquals(r.bestIteration(), saved.iteration());
        double again = Arrays.stream(saved.logDensity(validation, 8, 5)).mapToDouble(Iwae.Estimate::logDensity).average().orElseThrow();
        assertEquals(best, again, 1e-9, "the saved model is the best one");
        assertTrue(Files.exists(out));
    }

    /** A spent time budget ends the run after one more validation, which {@code out} keeps. */
    @Test
    void theTimeBudgetStopsTheRunAndKeepsTheModel() throws IOException {
        DataSource data = new TargetData(Targets.parse("ring"), 7);
        INDArray validation = TestSupport.rows(Targets.parse("ring").sample(20, new SplittableRandom(2)));
        Path out = dir.resolve("budget.zip");
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(config(FlowConfig.Precision.FLOAT32));
        TrainingResult r = new Trainer(m, data, validation, TrainingOptions.builder().iterations(1000).batchSize(16)
                .validateEvery(500).validationSamples(4).timeBudget(java.time.Duration.ofNanos(1)).out(out).build(), List.of()).run();
        assertEquals(TrainingResult.StopReason.TIME_BUDGET, r.reason());
        assertEquals(1, r.iterations());
        assertEquals(1, r.bestIteration(), "validated before stopping");
        assertEquals(1, ModelFile.load(out).iteration());
    }

    /** Records each step's learning rate and each validation's iteration and verdict. */
    private static final class Record implements TrainingListener {
        final List<Double> rates = new ArrayList<>();
        final List<Boolean> improved = new ArrayList<>();
        final List<Long> at = new ArrayList<>();

        @Override
        public void onStep(TrainStep step, long total, double samplesPerSecond) {
            rates.add(step.learningRate());
        }

        @Override
        public void onValidation(long iteration, double value, boolean better) {
            improved.add(better);
            at.add(iteration);
        }
    }

    /**
     * PLATEAU halves the learning rate after every 3 validations in a row without improvement, and only then; BUDGET
     * (the default) does the same on top of its cosine (here over the iterations: no time budget).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = TrainingOptions.Schedule.class, names = {"PLATEAU", "BUDGET"})
    void theRateIsHalvedAfterThreeValidationsWithoutImprovement(TrainingOptions.Schedule schedule) throws IOException {
        DataSource data = new TargetData(Targets.parse("ring"), 7);
        INDArray validation = TestSupport.rows(Targets.parse("ring").sample(50, new SplittableRandom(2)));
        Record record = new Record();
        List<Boolean> improved = record.improved;
        List<Double> rates = record.rates;
        // A large learning rate makes validation scores erratic: improvements and plateaus both happen.
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(16).learningRate(0.05)
                .seed(1).build());
        int iterations = 60;
        new Trainer(m, data, validation, TrainingOptions.builder().iterations(iterations).batchSize(16).validateEvery(1).patience(0)
                .validationSamples(4).schedule(schedule).timeBudget(null).warmup(0).build(), List.of(record)).run();
        int since = 0;
        int halvings = 0;
        for (int i = 0; i < improved.size() - 2; i++) {
            since = improved.get(i) ? 0 : since + 1;
            boolean halve = since > 0 && since % TrainingOptions.Schedule.PLATEAU_WAIT == 0;
            halvings += halve ? 1 : 0;
            double cosine = schedule == TrainingOptions.Schedule.BUDGET
                    ? TrainingOptions.Schedule.cosine((i + 1.0) / iterations) / TrainingOptions.Schedule.cosine((double) i / iterations) : 1.0;
            assertEquals(rates.get(i) * cosine * (halve ? 0.5 : 1.0), rates.get(i + 1), 1e-12 * rates.get(i), "step " + (i + 1) + ", " + improved);
        }
        assertTrue(halvings >= 1, "the run had a plateau: " + improved);
    }

    /**
     * Before the warm-up's end a validation without improvement neither halves the rate nor counts toward patience
     * (the best model is still tracked); from then on both work as without a warm-up.
     */
    @Test
    void theWarmupKeepsTheRunGoingAndThenPatienceCounts() throws IOException {
        DataSource data = new TargetData(Targets.parse("ring"), 7);
        // validation points at the origin, where learning the ring digs a hole: scores that mostly do not improve
        INDArray validation = TestSupport.rows(Targets.parse("ring:0.05,0.05").sample(50, new SplittableRandom(2)));
        Record record = new Record();
        List<Boolean> improved = record.improved;
        List<Long> at = record.at;
        List<Double> rates = record.rates;
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(16).learningRate(0.01)
                .seed(1).build());
        long warmup = 30;
        TrainingResult r = new Trainer(m, data, validation, TrainingOptions.builder().iterations(400).batchSize(16).validateEvery(2)
                .patience(2).validationSamples(4).schedule(TrainingOptions.Schedule.PLATEAU).timeBudget(null).warmup(warmup)
                .build(), List.of(record)).run();
        long plateausBefore = java.util.stream.IntStream.range(1, improved.size()).filter(i -> at.get(i) <= warmup && !improved.get(i)).count();
        assertTrue(plateausBefore >= 3, "validation did not improve during the warm-up: " + improved);
        for (int i = 1; i < warmup; i++) {
            assertEquals(rates.get(0), rates.get(i), 0.0, "no halving during the warm-up, step " + i);
        }
        assertTrue(r.iterations() > warmup, "not stopped during the warm-up: " + r.iterations());
        assertTrue(r.stoppedEarly(), "patience counts after the warm-up: " + improved);
        // stopped at the second validation without improvement after max(warm-up, best)
        long start = Math.max(warmup, r.bestIteration());
        assertEquals(start - start % 2 + 4, r.iterations(), "at " + at + " improved " + improved);
    }

    /** Free MLP energies (soft constraint, none) warm up; radial ones (hard) and reverse-KL training do not. */
    @Test
    void theModelsWarmupFollowsItsEnergies() {
        assertEquals(EquivariantHamiltonianFlow.FREE_ENERGY_WARMUP, EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8)
                .symmetry("so2").constraint(FlowConfig.Constraint.SOFT).build()).warmupIterations());
        assertEquals(EquivariantHamiltonianFlow.FREE_ENERGY_WARMUP, EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8)
                .build()).warmupIterations());
        assertEquals(0, EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).symmetry("so2")
                .constraint(FlowConfig.Constraint.HARD).build()).warmupIterations());
    }

    @Test
    void holdOutKeepsATenthDisjointAndRepeatable() {
        double[][] pts = new double[300][];
        for (int i = 0; i < pts.length; i++) {
            pts[i] = new double[] {i};
        }
        FiniteData.Split a = FiniteData.holdOut(pts, 4);
        assertEquals(30, a.validation().length);
        assertEquals(270, a.train().length);
        Set<Double> all = new HashSet<>();
        Arrays.stream(a.train()).forEach(r -> all.add(r[0]));
        Arrays.stream(a.validation()).forEach(r -> all.add(r[0]));
        assertEquals(300, all.size(), "every point once");
        assertTrue(Arrays.deepEquals(a.validation(), FiniteData.holdOut(pts, 4).validation()), "a function of the seed");
        assertEquals(10, FiniteData.holdOut(Arrays.copyOf(pts, 50), 4).validation().length, "at least 10");
        assertEquals(1, FiniteData.holdOut(Arrays.copyOf(pts, 2), 4).validation().length, "never more than half");
        assertEquals(FiniteData.HOLD_OUT_MAX, FiniteData.holdOut(new double[50_000][1], 4).validation().length);
    }
}
