package org.eqflow.spark;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.model.TrainableModel;
import org.eqflow.core.train.Standardization;
import org.eqflow.core.train.TrainingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eqflow-spark}: train, score and sample on a Spark cluster ({@code spark-submit --class
 * org.eqflow.spark.EqflowSpark}). Data are CSV files with a header (as {@code eqflow data} writes them) or Parquet;
 * results are written as Parquet or CSV directories. Every error is one line; exit code 1 on a runtime error, 2 on a
 * usage error.
 */
@Command(name = "eqflow-spark", mixinStandardHelpOptions = true, version = "eqflow-spark 0.1",
        subcommands = {EqflowSpark.Train.class, EqflowSpark.Score.class, EqflowSpark.Sample.class, SparkBench.class, CommandLine.HelpCommand.class},
        description = "Equivariant Hamiltonian flows on Apache Spark: data-parallel training, distributed scoring and sampling.")
public final class EqflowSpark implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EqflowSpark.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (train, score, sample, bench)");
    }

    /** Set this system property to {@code false} to keep Spark's own INFO log lines (several per training step). */
    public static final String QUIET_PROPERTY = "eqflow.spark.quiet";

    public static void main(String[] args) {
        if (!"false".equalsIgnoreCase(System.getProperty(QUIET_PROPERTY))) {
            quietSpark();
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * Spark logs every job and task at INFO, several lines per training step; the command line's own INFO lines (the
     * loss every {@code --log-every} steps) would drown. Spark's, Hadoop's and Parquet's loggers go to WARN, where
     * log4j 2 is the logging back-end (Spark's default); elsewhere nothing changes.
     */
    private static void quietSpark() {
        try {
            for (String name : List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop", "org.apache.parquet")) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(name, org.apache.logging.log4j.Level.WARN);
            }
        } catch (LinkageError e) {
            LOG.debug("log4j 2 is not the logging back-end; Spark's log levels are left as they are");
        }
    }

    /** The configured command line, with one-line error handling (tests call this with their own streams). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new EqflowSpark());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("eqflow-spark: error: " + rootMessage(ex));
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("eqflow-spark: " + ex.getMessage() + " (see eqflow-spark " + ex.getCommandLine().getCommandName() + " --help)");
            err.flush();
            return 2;
        });
        return cl;
    }

    /**
     * The message of the innermost cause, on one line: a task's exception reaches the driver wrapped in Spark's
     * "Job aborted due to stage failure" and its stack trace.
     */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replace('\n', ' ');
    }

    /** Options every command shares: the master, the input's reading, the allow-list. */
    static class Common {
        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*])")
        String master;

        @Option(names = "--no-header", description = "CSV files have no header line (columns _c0, _c1, ...)")
        boolean noHeader;

        @Option(names = "--allow-class", paramLabel = "PREFIX", split = ",",
                description = "classes named in a model file that may be constructed (a class: symmetry); none by default")
        List<String> allowClasses = new ArrayList<>();

        @Option(names = "--force", description = "replace an existing output")
        boolean force;

        @Option(names = "--data-format", paramLabel = "F", defaultValue = "auto",
                description = "csv, parquet, or auto (default: parquet for a .parquet path or a local directory of .parquet files, else csv)")
        String dataFormat;

        SparkSession session(String app) {
            SparkSession.Builder b = SparkSession.builder().appName(app);
            if (master != null) {
                b.master(master);
            } else if (!SparkSession.getActiveSession().isDefined()
                    && !new org.apache.spark.SparkConf().contains("spark.master")) {
                b.master("local[*]");
            }
            return b.getOrCreate();
        }

        LoadOptions load() {
            return new LoadOptions(allowClasses);
        }

        Dataset<Row> read(SparkSession spark, String path) {
            boolean parquet = switch (dataFormat.toLowerCase(Locale.ROOT)) {
                case "parquet" -> true;
                case "csv" -> false;
                case "auto" -> path.toLowerCase(Locale.ROOT).endsWith(".parquet") || isLocalParquetDirectory(path);
                default -> throw new IllegalArgumentException("--data-format must be csv, parquet or auto, got " + dataFormat);
            };
            if (parquet) {
                return spark.read().parquet(path);
            }
            return spark.read().option("header", !noHeader).option("inferSchema", true).option("mode", "FAILFAST").csv(path);
        }

        private static boolean isLocalParquetDirectory(String path) {
            if (path.contains("://")) {
                return false;  // a cluster file system's URI: say --data-format parquet, or name the files *.parquet
            }
            Path dir = Path.of(path);
            if (!Files.isDirectory(dir)) {
                return false;
            }
            try (var s = Files.list(dir)) {
                return s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
            } catch (java.io.IOException e) {
                return false;
            }
        }

        /** Refuses an output format other than parquet or csv, before anything starts. */
        static void checkFormat(String format) {
            if (!format.equals("parquet") && !format.equals("csv")) {
                throw new IllegalArgumentException("--format must be parquet or csv, got " + format);
            }
        }

        void write(Dataset<Row> out, String path, String format) {
            if (!force && !path.contains("://") && Files.exists(Path.of(path))) {
                throw new IllegalArgumentException(path + " exists: pass --force to replace it, or choose another --out");
            }
            DataFrameWriter<Row> w = out.write().mode(force ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
            checkFormat(format);
            if (format.equals("parquet")) {
                w.parquet(path);
            } else {
                w.option("header", true).csv(path);
            }
        }
    }

    /**
     * The model's coordinates: the given columns, else every column; each must be numeric. A column that Spark read as
     * text is refused with its first value that is not a number.
     */
    static List<String> columns(Dataset<Row> data, List<String> given, String source) {
        List<String> all = List.of(data.columns());
        List<String> out = given != null && !given.isEmpty() ? given : all;
        for (String c : out) {
            if (!all.contains(c)) {
                throw new IllegalArgumentException("no column '" + c + "' in " + source + " (columns: " + String.join(", ", data.columns()) + ")");
            }
            if (!(data.schema().apply(c).dataType() instanceof NumericType)) {
                List<Row> bad = data.filter(data.col(c).isNotNull().and(data.col(c).try_cast("double").isNull())).select(c).limit(1)
                        .collectAsList();
                String example = bad.isEmpty() ? "" : ": '" + bad.get(0).get(0) + "' is not a number";
                throw new IllegalArgumentException("column '" + c + "' of " + source + " is not numeric" + example
                        + "; repair or filter those rows" + (given == null || given.isEmpty() ? ", or choose the coordinates with --columns" : ""));
            }
        }
        return out;
    }

    static JavaRDD<double[]> points(Dataset<Row> data, List<String> columns) {
        Column[] cols = columns.stream().map(c -> data.col(c).cast("double")).toArray(Column[]::new);
        int d = columns.size();
        List<String> names = List.copyOf(columns);
        return data.select(cols).javaRDD().map(r -> {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                if (r.isNullAt(j)) {
                    throw new IllegalArgumentException("a row has an empty cell in column '" + names.get(j) + "': "
                            + "filter such rows out before training");
                }
                x[j] = r.getDouble(j);
            }
            return x;
        });
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a model by synchronous data-parallel steps (each partition computes its share of the gradient).")
    static final class Train implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Option(names = "--data", required = true, paramLabel = "PATH", description = "CSV (with header) or Parquet file or directory")
        String data;

        @Option(names = "--out", required = true, paramLabel = "MODEL.zip", description = "the model file (saved atomically)")
        Path out;

        @Option(names = "--columns", split = ",", paramLabel = "C", description = "the coordinates (default: every column)")
        List<String> columns;

        @Option(names = "--symmetry", paramLabel = "SPEC", description = "a symmetry, e.g. so2 or so3:0,1,2 (repeatable; default none)")
        List<String> symmetries = new ArrayList<>();

        @Option(names = "--context-columns", paramLabel = "K", defaultValue = "0", description = "a conditional density p(x | c): the "
                + "last K of the columns are the context c (docs/conditional.md; default ${DEFAULT-VALUE})")
        int contextColumns;

        @Option(names = "--constraint", paramLabel = "C", description = "soft, hard or none (default: the library's for the symmetry)")
        String constraint;

        @Option(names = "--hidden", paramLabel = "H", description = "hidden units of K, U and the encoder (default "
                + FlowConfig.Builder.DEFAULT_HIDDEN + ")")
        Integer hidden;

        @Option(names = "--leapfrog-steps", paramLabel = "L", description = "Leap-Frog steps (default " + FlowConfig.Builder.DEFAULT_LEAPFROG_STEPS + ")")
        Integer steps;

        @Option(names = "--lr", paramLabel = "RATE", description = "Adam's learning rate (default " + FlowConfig.Builder.DEFAULT_LEARNING_RATE + ")")
        Double lr;

        @Option(names = "--iterations", paramLabel = "N", defaultValue = "4000", description = "steps (default ${DEFAULT-VALUE}; cosine learning-rate decay over them)")
        long iterations;

        @Option(names = "--batch-size", paramLabel = "B", defaultValue = "256", description = "points per step over all partitions (default ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
        long seed;

        @Option(names = "--float64", description = "double precision (default float32)")
        boolean float64;

        @Option(names = "--no-standardize", description = "train on the data's own units (default: an isotropic scale fitted to 10,000 sampled rows)")
        boolean noStandardize;

        @Option(names = "--resume", paramLabel = "MODEL.zip", description = "continue a saved model (its configuration) up to --iterations")
        Path resume;

        @Option(names = "--save-every", paramLabel = "N", defaultValue = "500", description = "steps between saves of --out (default ${DEFAULT-VALUE})")
        int saveEvery;

        @Option(names = "--log-every", paramLabel = "N", defaultValue = "100", description = "steps between log lines (default ${DEFAULT-VALUE})")
        int logEvery;

        @Option(names = "--partitions", paramLabel = "P", description = "partitions of the data (default: the input's, at least Spark's default parallelism)")
        Integer partitions;

        @Override
        public Integer call() throws Exception {
            if (!common.force && Files.exists(out) && (resume == null || !Files.isSameFile(resume, out))) {
                throw new IllegalArgumentException(out + " exists: pass --force to replace it, or resume it with --resume " + out);
            }
            SparkSession spark = common.session("eqflow-spark train");
            Dataset<Row> frame = common.read(spark, data);
            List<String> cols = columns(frame, columns, data);
            JavaRDD<double[]> rows = points(frame, cols);
            int want = partitions != null ? partitions : Math.max(rows.getNumPartitions(), spark.sparkContext().defaultParallelism());
            if (want < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--partitions must be >= 1, got " + want);
            }
            if (rows.getNumPartitions() != want) {
                rows = rows.repartition(want);
            }
            EquivariantHamiltonianFlow model;
            if (resume != null) {
                model = ModelFile.load(resume, common.load());
                if (model.rowWidth() != cols.size()) {
                    throw new IllegalArgumentException(resume + "'s rows have " + model.rowWidth() + " columns but the data have " + cols.size()
                            + " columns " + cols);
                }
                LOG.info("resuming {} at iteration {}", resume, model.iteration());
            } else {
                int k = contextColumns;
                int d = cols.size() - k;
                if (k < 0 || d < 1) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "--context-columns must be in 0.." + (cols.size() - 1)
                            + " (at least one coordinate is modelled; the data have " + cols.size() + " columns), got " + k);
                }
                FlowConfig.Builder b = FlowConfig.builder(d).contextSize(k).symmetries(symmetries).seed(seed)
                        .precision(float64 ? FlowConfig.Precision.FLOAT64 : FlowConfig.Precision.FLOAT32);
                if (constraint != null) {
                    b.constraint(org.eqflow.core.Choices.parse("--constraint", constraint, FlowConfig.Constraint.class));
                }
                if (hidden != null) {
                    b.hidden(hidden);
                }
                if (steps != null) {
                    b.leapfrogSteps(steps);
                }
                if (lr != null) {
                    b.learningRate(lr);
                }
                if (!noStandardize) {
                    double[][] sample = rows.takeSample(false, 10_000, seed).toArray(new double[0][]);
                    if (sample.length == 0) {
                        throw new IllegalArgumentException(data + " has no rows");
                    }
                    Standardization s = Standardization.forModel(sample, d, !symmetries.isEmpty());
                    b.centre(s.centre()).scale(s.scale());
                    if (k > 0) {
                        Standardization.Context c = Standardization.Context.fit(sample, d);
                        b.contextScaling(c.centre(), c.scale());
                    }
                }
                model = EquivariantHamiltonianFlow.create(b.build());
                LOG.info("training {} on {} (columns {}{}), symmetry {}, constraint {}, engine {}", out, data, cols,
                        k == 0 ? "" : "; the last " + k + " the context",
                        symmetries.isEmpty() ? "none" : String.join(" ", symmetries),
                        model.config().constraint().name().toLowerCase(Locale.ROOT), model.engineDescription());
            }
            SparkTrainer.Options options = new SparkTrainer.Options(iterations, batchSize, TrainingOptions.Schedule.COSINE, seed,
                    logEvery, 2, out, saveEvery);
            try (SparkTrainer trainer = new SparkTrainer(rows, model, common.load(), options)) {
                SparkTrainer.Summary s = trainer.run();
                LOG.info("model saved to {} at iteration {} ({} s per step)", out, s.iterations(),
                        String.format(Locale.ROOT, "%.4f", s.secondsPerStep()));
            }
            return 0;
        }
    }

    /** What score and sample share: the model they read and the directory they write. */
    static final class ModelOutput {
        @Option(names = "--model", required = true, paramLabel = "MODEL.zip")
        Path model;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
        String out;

        @Option(names = "--format", paramLabel = "F", defaultValue = "parquet", description = "parquet or csv (default ${DEFAULT-VALUE})")
        String format;

        /** The output format checked, then the model read and checked, before Spark starts. */
        ModelBroadcast model(Common common) throws java.io.IOException {
            Common.checkFormat(format);
            return ModelBroadcast.read(model, common.load());
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Add log_p and its standard error log_p_se to every row (null where a coordinate is missing or not finite).")
    static final class Score implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @CommandLine.Mixin
        ModelOutput io = new ModelOutput();

        @Option(names = "--data", required = true, paramLabel = "PATH", description = "CSV (with header) or Parquet file or directory")
        String data;

        @Option(names = "--columns", split = ",", paramLabel = "C", description = "the coordinates (default: every column)")
        List<String> columns;

        @Option(names = "--samples", paramLabel = "M", defaultValue = "256", description = "importance samples per row (default ${DEFAULT-VALUE})")
        int samples;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
        long seed;

        @Option(names = "--chunk-rows", paramLabel = "N", defaultValue = "1024", description = "rows scored together per task (default ${DEFAULT-VALUE})")
        int chunkRows;

        @Override
        public Integer call() throws Exception {
            ModelBroadcast shipped = io.model(common);
            SparkSession spark = common.session("eqflow-spark score");
            Dataset<Row> frame = common.read(spark, data);
            if ((columns == null || columns.isEmpty()) && frame.columns().length != shipped.rowWidth()) {
                throw new IllegalArgumentException(data + " has " + frame.columns().length + " columns " + List.of(frame.columns())
                        + (shipped.rowWidth() == shipped.dimension() ? " but the model has dimension " + shipped.dimension()
                        + ": choose its coordinates with --columns" : " but the model's rows have " + shipped.rowWidth() + " ("
                        + shipped.dimension() + " coordinates, then the context): choose them with --columns"));
            }
            List<String> cols = columns(frame, columns, data);
            common.write(SparkScoring.score(frame, cols, shipped, new SparkScoring.Settings(samples, seed, chunkRows)), io.out, io.format);
            LOG.info("scored {} into {} ({})", data, io.out, io.format);
            return 0;
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, description = "Draw N points from a model, columns x0, x1, ...")
    static final class Sample implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @CommandLine.Mixin
        ModelOutput io = new ModelOutput();

        @Option(names = "-n", required = true, paramLabel = "N")
        long n;

        @Option(names = "--partitions", paramLabel = "P", description = "tasks (default: Spark's default parallelism)")
        Integer partitions;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0")
        long seed;

        @Override
        public Integer call() throws Exception {
            ModelBroadcast shipped = io.model(common);
            SparkSession spark = common.session("eqflow-spark sample");
            int p = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
            common.write(SparkSampling.sample(spark, shipped, n, p, seed), io.out, io.format);
            LOG.info("{} draws written to {} ({})", n, io.out, io.format);
            return 0;
        }
    }
}
