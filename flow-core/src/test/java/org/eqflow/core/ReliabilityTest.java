package org.eqflow.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.io.ModelFileException;
import org.eqflow.core.model.TrainStep;
import org.eqflow.core.optim.TrainingDivergedException;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.TargetData;
import org.eqflow.core.train.Trainer;
import org.eqflow.core.train.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults: non-finite steps, damaged or foreign model files (fuzzed), and a kill -9 in the middle of training. */
class ReliabilityTest {
    @TempDir
    Path dir;

    @Test
    void nonFiniteStepsAreSkippedThenTrainingStops() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).separateHamiltonians(false)
                .float64().seed(1).build());
        INDArray good = TestSupport.gaussian(1, 16, 2, 1.0);
        m.trainStep(good);
        INDArray weights = m.graph().getVariable("potW1").getArr().dup();
        INDArray bad = good.dup();
        bad.putScalar(0, 0, Double.NaN);
        double lr = m.learningRate();
        TrainStep s1 = m.trainStep(bad);
        assertTrue(s1.skipped());
        assertEquals(lr / 2, m.learningRate());
        assertEquals(weights, m.graph().getVariable("potW1").getArr(), "a skipped step changes no weight");
        assertTrue(m.trainStep(bad).skipped());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> m.trainStep(bad));
        assertTrue(e.getMessage().contains("3 steps in a row"), e.getMessage());
        assertEquals(weights, m.graph().getVariable("potW1").getArr());
    }

    /**
     * {@code --lr 1e300} on a float32 model (the default): the gradient is finite, the updated weights are
     * not representable; nothing is kept. (In float64 the same step gives finite weights near 1e300; the
     * next step's loss is then not finite and is skipped by the first guard.)
     */
    @Test
    void anUpdateThatWouldMakeWeightsNonFiniteIsNotKept() throws IOException {
        for (FlowConfig.Precision precision : new FlowConfig.Precision[] {FlowConfig.Precision.FLOAT32}) {
            EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).precision(precision)
                    .learningRate(1e300).seed(1).build());
            ModelState before = m.state();
            TrainStep step = m.trainStep(TestSupport.gaussian(1, 16, 2, 1.0));
            assertTrue(Double.isFinite(step.gradientNorm()) && step.skipped(), precision + ": the step is skipped");
            ModelState after = m.state();
            for (String name : before.parameters().keySet()) {
                assertTrue(java.util.Arrays.equals(before.parameters().get(name).data(), after.parameters().get(name).data()),
                        precision + ": weight " + name + " changed");
                assertTrue(java.util.Arrays.equals(before.optimizer().get(name).data(), after.optimizer().get(name).data()),
                        precision + ": optimiser state of " + name + " changed");
            }
            Path file = dir.resolve("guarded-" + precision + ".zip");
            org.eqflow.core.io.ModelFile.save(m, file, true);
            org.eqflow.core.io.ModelFile.load(file);  // a finite model, so it loads
        }
    }

    @Test
    void aFiniteStepResetsTheCount() {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(8).separateHamiltonians(false)
                .float64().seed(1).build());
        INDArray good = TestSupport.gaussian(1, 16, 2, 1.0);
        INDArray bad = good.dup();
        bad.putScalar(0, 0, Double.POSITIVE_INFINITY);
        for (int i = 0; i < 4; i++) {
            assertTrue(m.trainStep(bad).skipped());
            assertTrue(m.trainStep(bad).skipped());
            assertTrue(!m.trainStep(good).skipped());
        }
    }

    @Test
    void incompatibleVersionIsRefusedClearly() throws IOException {
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(FlowConfig.builder(2).hidden(4).seed(1).build());
        Path good = dir.resolve("good.zip");
        ModelFile.save(m, good, false);
        Path future = dir.resolve("future.zip");
        rewriteManifest(good, future, 99);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(future));
        assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
    }

    /**
     * A forked JVM trains with checkpoints and is killed with SIGKILL; resuming from its last checkpoint
     * ends bitwise where an uninterrupted run ends (float64, one thread).
     */
    @Test
    void killNineThenResumeMatchesUninterruptedRun() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ForkedTraining.class.getName(), ckpt.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("fork.log").toFile()).start();
        Path file = ckpt.resolve(Trainer.CHECKPOINT_FILE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(file) && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
        p.destroyForcibly().waitFor();
        assertTrue(Files.exists(file), "the fork wrote a checkpoint before it was killed: " + Files.readString(dir.resolve("fork.log")));

        Trainer resumed = Trainer.resume(ckpt, ForkedTraining.data(), null, ForkedTraining.options(ckpt), List.of());
        long from = ((EquivariantHamiltonianFlow) resumed.model()).iteration();
        assertTrue(from > 0 && from < ForkedTraining.ITERATIONS, "killed mid-run, at iteration " + from);
        resumed.run();

        EquivariantHamiltonianFlow whole = EquivariantHamiltonianFlow.create(ForkedTraining.config());
        new Trainer(whole, ForkedTraining.data(), null, ForkedTraining.options(dir.resolve("other")), List.of()).run();
        for (String name : whole.parameterNames()) {
            assertEquals(whole.graph().getVariable(name).getArr(), ((EquivariantHamiltonianFlow) resumed.model()).graph().getVariable(name).getArr(), name);
        }
        assertTrue(Arrays.equals(whole.multipliers(), ((EquivariantHamiltonianFlow) resumed.model()).multipliers()));
    }

    /** The training the forked JVM runs. */
    public static final class ForkedTraining {
        static final int ITERATIONS = 400;

        static FlowConfig config() {
            return FlowConfig.builder(2).hidden(16).symmetry("so2").float64().seed(5).build();
        }

        static TargetData data() {
            return new TargetData(Targets.parse("ring"), 3);
        }

        static TrainingOptions options(Path ckpt) {
            return TrainingOptions.builder().iterations(ITERATIONS).batchSize(64).checkpointEvery(10).checkpointDir(ckpt).seed(3).build();
        }

        public static void main(String[] args) throws Exception {
            Threads.useSingleThread();
            Path ckpt = Path.of(args[0]);
            new Trainer(EquivariantHamiltonianFlow.create(config()), data(), null, options(ckpt), List.of()).run();
        }
    }


    private static void rewriteManifest(Path in, Path out, int version) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(in));
             ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                byte[] data = readAll(zin);
                if (e.getName().equals("manifest.json")) {
                    ObjectNode m = (ObjectNode) json.readTree(data);
                    m.put("formatVersion", version);
                    data = json.writeValueAsBytes(m);
                }
                zout.putNextEntry(new ZipEntry(e.getName()));
                zout.write(data);
                zout.closeEntry();
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
