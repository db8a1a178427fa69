package org.eqflow.examples.cli;

import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import org.eqflow.core.Threads;
import org.eqflow.core.io.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code eqflow} command line. Data (CSV, JSON) goes to standard output; logs, warnings and progress
 * bars go to standard error. Exit code 0 on success, 1 on a runtime error, 2 on a usage error; every error
 * is one line.
 */
@Command(name = "eqflow", mixinStandardHelpOptions = true, versionProvider = Eqflow.Version.class,
        subcommands = {TrainCommand.class, LogprobCommand.class, SampleCommand.class, EvalCommand.class, PlotCommand.class, DataCommand.class, DemoCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class},
        description = "Equivariant Hamiltonian flows: learn, evaluate and sample densities invariant under a symmetry group.")
public final class Eqflow implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (train, logprob, sample, eval, demo, bench)");
    }

    public static void main(String[] args) {
        Threads.useSingleThread();
        CommandLine cl = commandLine();
        // Standard output without PrintStream's silent error flag, so a failed write (disk full) is seen.
        cl.setOut(new PrintWriter(new java.io.BufferedWriter(new java.io.OutputStreamWriter(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), java.nio.charset.StandardCharsets.UTF_8))));
        System.exit(execute(cl, args));
    }

    /**
     * Runs a command line; an {@link Error} (out of memory, a missing native library) also ends in one
     * line and exit code 1, never a stack trace.
     */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return fail(cl, "out of memory (" + e.getMessage() + "): the input or an option asks for more than this JVM has; "
                    + "use a smaller --batch, -n or --samples, or a larger heap (EQFLOW_JAVA_OPTS=-Xmx16g)");
        } catch (StackOverflowError e) {
            return fail(cl, "stack overflow: the input is nested too deeply");
        } catch (Error e) {
            return fail(cl, e.getClass().getSimpleName() + ": " + oneLine(e) + " (an internal or environment fault; "
                    + "please report it with the command that caused it)");
        }
    }

    private static int fail(CommandLine cl, String message) {
        PrintWriter err = cl.getErr();
        err.println("eqflow: error: " + message.replace('\n', ' '));
        err.flush();
        return 1;
    }

    /** The configured command line, with one-line error handling; tests call this with their own streams. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Eqflow());
        StrictNumbers.register(cl);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("eqflow: error: " + oneLine(ex));
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("eqflow: " + ex.getMessage() + " (see eqflow " + ex.getCommandLine().getCommandName() + " --help)");
            err.flush();
            return 2;
        });
        return cl;
    }

    static String oneLine(Throwable t) {
        String m;
        if (t instanceof NoSuchFileException e) {
            m = e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "no such file");
        } else if (t instanceof FileAlreadyExistsException e) {
            m = e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "already exists");
        } else {
            m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"eqflow " + Provenance.libraryVersion()};
        }
    }
}
