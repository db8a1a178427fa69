package org.eqflow.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eqflow.core.Threads;
import org.eqflow.core.io.AtomicFiles;
import org.eqflow.examples.bench.Flops;
import org.eqflow.examples.bench.FiniteFlowBenchmark;
import org.eqflow.examples.bench.FlowBenchmark;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eqflow bench}: JMH benchmarks of training, sampling and log-density throughput, with the GEMM limit. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark one training step (ELBO + so(d) penalty + Adam), sampling and IWAE log-densities",
            "(M = 256) with JMH, one thread, hidden 128, for every combination of the listed parameters; measure",
            "the machine's single-thread SameDiff GEMM rate (1024^3) in the same run; write results.csv and",
            "results.md (throughput in samples/s and as a fraction of the GEMM limit) to --out. With --finite, the",
            "finite flows' training step, sampling and exact log-densities instead (finite.csv, finite.md)."})
final class BenchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);
    private static final int HIDDEN = 128;

    @Option(names = "--d", split = ",", defaultValue = "2,16,64", description = "dimensions (default ${DEFAULT-VALUE})")
    List<Integer> dims;

    @Option(names = "--batch", split = ",", defaultValue = "256,1024,4096", description = "batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--steps", split = ",", defaultValue = "2,8", description = "Leap-Frog steps (default ${DEFAULT-VALUE})")
    List<Integer> steps;

    @Option(names = "--precision", split = ",", defaultValue = "FLOAT32,FLOAT64", description = "FLOAT32 and/or FLOAT64")
    List<String> precisions;

    @Option(names = "--path", split = ",", defaultValue = "fused",
            description = "engines: fused (the default one) and/or graph (SameDiff)")
    List<String> paths;

    @Option(names = "--constraint", split = ",", defaultValue = "soft",
            description = "how so(d) is imposed: soft (penalty) and/or hard (radial energies) (default ${DEFAULT-VALUE})")
    List<String> constraints;

    @Option(names = "--threads", split = ",", defaultValue = "1",
            description = "cores for the fused path (default ${DEFAULT-VALUE}: the single-thread comparison)")
    List<Integer> threads;

    @Option(names = "--workloads", split = ",", defaultValue = "trainStep,sample,logprob")
    List<String> workloads;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "15", description = "warm-up per configuration (SameDiff needs ~12 s)")
    int warmup;

    @Option(names = "--measure", paramLabel = "SECONDS", defaultValue = "10", description = "measurement per configuration")
    int measure;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-out")
    Path out;

    @Option(names = "--finite", split = ",", paramLabel = "FAMILY:GROUP:D",
            description = "benchmark finite flows at their default sizes instead (training step, sampling, exact "
                    + "log-densities), e.g. residual:c8:2,residual:none:2,coupling:o2:8; writes finite.csv and finite.md")
    List<String> finite;

    @Option(names = "--finite-batch", split = ",", defaultValue = "128", description = "finite flows: batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> finiteBatches;

    @Option(names = {"--manifold", "--su"}, split = ",", paramLabel = "M",
            description = "benchmark the manifold flows at their defaults instead (training step, sampling, exact "
                    + "log-densities; batch sizes from --finite-batch): su2, su3, su4 (reverse KL), s2 (invariant about z), "
                    + "s2:none (maximum likelihood), e.g. su2,su3,s2; writes manifold.csv and manifold.md")
    List<String> su;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        Path memoryFile = out.resolve("peak-memory.csv.part");
        Files.deleteIfExists(memoryFile);
        if (finite != null && !finite.isEmpty() && su != null && !su.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --finite or --manifold, not both");
        }
        if (finite != null && !finite.isEmpty()) {
            for (String m : finite) {
                FiniteFlowBenchmark.config(m); // a bad spec fails here, in one line, before JMH starts
            }
            return familyBench(memoryFile, FiniteFlowBenchmark.class, finite, "finite");
        }
        if (su != null && !su.isEmpty()) {
            su.forEach(org.eqflow.examples.bench.ManifoldFlowBenchmark::group);
            return familyBench(memoryFile, org.eqflow.examples.bench.ManifoldFlowBenchmark.class, su, "manifold");
        }
        Map<String, Double> gemm = new LinkedHashMap<>();
        for (String p : precisions) {
            gemm.put(p, gemmGflops(p.equals("FLOAT64") ? DataType.DOUBLE : DataType.FLOAT));
            LOG.info(String.format(Locale.ROOT, "single-thread SameDiff GEMM 1024^3, %s: %.1f GFLOP/s", p, gemm.get(p)));
        }
        ChainedOptionsBuilder o = new OptionsBuilder().forks(1).threads(1)
                .warmupIterations(1).warmupTime(TimeValue.seconds(warmup))
                .measurementIterations(Math.max(1, measure / 2)).measurementTime(TimeValue.seconds(2))
                .param("d", strings(dims)).param("batch", strings(batches)).param("steps", strings(steps))
                .param("precision", precisions.toArray(new String[0])).param("path", paths.toArray(new String[0]))
                .param("threads", strings(threads)).param("constraint", constraints.toArray(new String[0]))
                .jvmArgsAppend("-Xmx12g", "-Djava.awt.headless=true",
                        "-D" + FlowBenchmark.MEMORY_FILE_PROPERTY + "=" + memoryFile.toAbsolutePath())
                .shouldFailOnError(true);
        for (String w : workloads) {
            o.include(FlowBenchmark.class.getName() + "." + w + "$");
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        Map<String, String> peak = peakMemory(memoryFile);
        StringBuilder csv = new StringBuilder(
                "workload,precision,d,batch,steps,path,threads,constraint,ms_per_op,ms_error,samples_per_s,gflops,fraction_of_gemm,peak_rss_mib\n");
        StringBuilder md = new StringBuilder("| workload | precision | d | batch | steps | path | threads | constraint | ms/op | samples/s | GFLOP/s "
                + "| of GEMM | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        List<Row> rows = new java.util.ArrayList<>();
        for (RunResult r : results) {
            String w = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            int d = Integer.parseInt(r.getParams().getParam("d"));
            int b = Integer.parseInt(r.getParams().getParam("batch"));
            int l = Integer.parseInt(r.getParams().getParam("steps"));
            String p = r.getParams().getParam("precision");
            String path = r.getParams().getParam("path");
            int th = Integer.parseInt(r.getParams().getParam("threads"));
            String con = r.getParams().getParam("constraint");
            String mib = peak.getOrDefault(FlowBenchmark.memoryKey(w, p, d, b, l, path, th, con), "");
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            int points = w.equals("logprob") ? Math.max(1, b / 16) : b;
            double flops = switch (w) {
                case "trainStep", "layerFit", "layerFitNoRule" -> Flops.trainStep(d, HIDDEN, l, b);
                case "sample" -> Flops.sample(d, HIDDEN, l, b);
                default -> Flops.logprob(d, HIDDEN, l, points * FlowBenchmark.LOGPROB_SAMPLES);
            };
            double gflops = flops / (ms * 1e6);
            rows.add(new Row(w, p, d, b, l, path, th, points / (ms / 1000)));
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%s,%d,%s,%.4f,%.4f,%.1f,%.3f,%.4f,%s%n", w, p, d, b, l, path, th, con,
                    ms, err,
                    points / (ms / 1000), gflops, gflops / gemm.get(p), mib));
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %s | %d | %s | %.2f ± %.2f | %.0f | %.2f | %.1f %% | %s MiB |%n",
                    w, p, d, b, l, path, th, con, ms, err, points / (ms / 1000), gflops, 100 * gflops / gemm.get(p), mib));
        }
        md.append("\nGEMM limit (single-thread SameDiff matmul 1024³): ");
        gemm.forEach((p, g) -> md.append(String.format(Locale.ROOT, "%s %.1f GFLOP/s; ", p, g)));
        md.append("\n");
        AtomicFiles.write(out.resolve("results.csv"), os -> os.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        AtomicFiles.write(out.resolve("results.md"), os -> os.write(md.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        scalingCurves(rows);
        spec.commandLine().getOut().print(md);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * {@code --finite} and {@code --su}: a family's three workloads, one thread, each configuration in its own fork;
     * writes {@code NAME.csv} and {@code NAME.md}.
     */
    private int familyBench(Path memoryFile, Class<?> bench, List<String> models, String name) throws Exception {
        ChainedOptionsBuilder o = new OptionsBuilder().forks(1).threads(1)
                .warmupIterations(1).warmupTime(TimeValue.seconds(warmup))
                .measurementIterations(Math.max(1, measure / 2)).measurementTime(TimeValue.seconds(2))
                .param("model", models.toArray(new String[0])).param("batch", strings(finiteBatches))
                .param("path", paths.stream().map(p -> p.equals("fused") ? "auto" : p).toArray(String[]::new))
                .jvmArgsAppend("-Xmx12g", "-Djava.awt.headless=true",
                        "-D" + FlowBenchmark.MEMORY_FILE_PROPERTY + "=" + memoryFile.toAbsolutePath())
                .shouldFailOnError(true);
        for (String w : workloads) {
            o.include(bench.getName() + "." + w + "$");
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        Map<String, String> peak = peakMemory(memoryFile);
        StringBuilder csv = new StringBuilder("workload,model,batch,path,ms_per_op,ms_error,points_per_s,peak_rss_mib\n");
        StringBuilder md = new StringBuilder("| workload | model | batch | path | ms/op | points/s | peak RSS |\n|---|---|---|---|---|---|---|\n");
        for (RunResult r : results) {
            String w = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            String m = r.getParams().getParam("model");
            int b = Integer.parseInt(r.getParams().getParam("batch"));
            String path = r.getParams().getParam("path");
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            String mib = peak.getOrDefault(FiniteFlowBenchmark.memoryKey(w, m, b, path), "");
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%s,%.4f,%.4f,%.1f,%s%n", w, m, b, path, ms, err, b / (ms / 1000), mib));
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %.2f ± %.2f | %.0f | %s MiB |%n", w, m, b, path, ms, err,
                    b / (ms / 1000), mib));
        }
        AtomicFiles.write(out.resolve(name + ".csv"), os -> os.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        AtomicFiles.write(out.resolve(name + ".md"), os -> os.write(md.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        spec.commandLine().getOut().print(md);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The forks' peak memory by configuration key, read from (and then removing) the file they appended to. */
    private static Map<String, String> peakMemory(Path memoryFile) throws java.io.IOException {
        Map<String, String> peak = new java.util.HashMap<>();
        if (Files.exists(memoryFile)) {
            for (String line : Files.readAllLines(memoryFile)) {
                int cut = line.lastIndexOf(',');
                peak.put(line.substring(0, cut), line.substring(cut + 1));
            }
            Files.delete(memoryFile);
        }
        return peak;
    }

    /** One measured configuration, for the scaling curves. */
    private record Row(String workload, String precision, int d, int batch, int steps, String path, int threads,
                       double throughput) {
        String series() {
            return workload + " " + precision + (workload.startsWith("trainStep") || workload.startsWith("layerFit") ? " " + path : "") + (threads > 1 ? " ×" + threads : "");
        }
    }

    /**
     * Throughput against d, the number of generators d(d−1)/2, B and the Leap-Frog steps, the other
     * parameters held at the smallest d, the largest B and the fewest steps measured: {@code scaling-*.png}
     * with the CSV behind each. A curve needs at least two measured values of its parameter.
     */
    private void scalingCurves(List<Row> rows) throws java.io.IOException {
        int dRef = dims.stream().min(Integer::compare).orElseThrow();
        int bRef = batches.stream().max(Integer::compare).orElseThrow();
        int lRef = steps.stream().min(Integer::compare).orElseThrow();
        curve(rows, "scaling-d", "throughput against d (B = " + bRef + ", " + lRef + " steps)", "d",
                r -> r.batch() == bRef && r.steps() == lRef, r -> r.d());
        curve(rows, "scaling-generators", "throughput against so(d) generators (B = " + bRef + ", " + lRef + " steps)",
                "generators d(d-1)/2", r -> r.batch() == bRef && r.steps() == lRef && r.d() >= 2, r -> r.d() * (r.d() - 1) / 2.0);
        curve(rows, "scaling-batch", "throughput against B (d = " + dRef + ", " + lRef + " steps)", "B",
                r -> r.d() == dRef && r.steps() == lRef, r -> r.batch());
        curve(rows, "scaling-steps", "throughput against Leap-Frog steps (d = " + dRef + ", B = " + bRef + ")", "steps",
                r -> r.d() == dRef && r.batch() == bRef, r -> r.steps());
    }

    private void curve(List<Row> rows, String name, String title, String xTitle, java.util.function.Predicate<Row> keep,
                       java.util.function.ToDoubleFunction<Row> x) throws java.io.IOException {
        Map<String, java.util.TreeMap<Double, Double>> bySeries = new java.util.TreeMap<>();
        for (Row r : rows) {
            if (keep.test(r)) {
                bySeries.computeIfAbsent(r.series(), k -> new java.util.TreeMap<>()).put(x.applyAsDouble(r), r.throughput());
            }
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        bySeries.forEach((k, v) -> {
            if (v.size() >= 2) {
                series.put(k, new double[][] {v.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                        v.values().stream().mapToDouble(Double::doubleValue).toArray()});
            }
        });
        if (!series.isEmpty()) {
            org.eqflow.examples.demo.Plots.lines(out, name, title, xTitle, "samples/s (logprob: points/s)", series, true);
        }
    }

    private static String[] strings(List<Integer> v) {
        return v.stream().map(String::valueOf).toArray(String[]::new);
    }

    /** Median single-thread GFLOP/s of a 1024³ product through SameDiff's matmul, after warm-up. */
    static double gemmGflops(DataType dt) {
        Threads.useSingleThread();
        SameDiff sd = SameDiff.create();
        sd.mmul(sd.constant(Nd4j.rand(dt, 1024, 1024)), sd.constant(Nd4j.rand(dt, 1024, 1024))).rename("c");
        double[] t = new double[15];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            sd.output(Map.of(), "c");
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] measured = Arrays.copyOfRange(t, 5, t.length);
        Arrays.sort(measured);
        return 2.0 * 1024 * 1024 * 1024 / measured[measured.length / 2] / 1e9;
    }
}
