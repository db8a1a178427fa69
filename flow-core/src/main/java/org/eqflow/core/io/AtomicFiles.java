package org.eqflow.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes an output target so that nothing at it is lost or broken:
 *
 * <ul>
 *   <li>a regular file (or a new one) is replaced atomically: the content goes to a temporary file beside
 *       it, is flushed to disk and renamed over it, so a crash or error mid-write leaves the previous file;</li>
 *   <li>a symbolic link is followed first: the file it points to is replaced, the link is kept;</li>
 *   <li>a device or FIFO ({@code /dev/null}, {@code /dev/stdout}, a named pipe) is written directly as a
 *       stream, never replaced by a regular file;</li>
 *   <li>a directory is refused.</li>
 * </ul>
 *
 * Temporary files carry the writer's process id; each write removes those of processes that no longer
 * run (saves killed mid-write), and only those. Every failure names the target.
 */
public final class AtomicFiles {
    private static final int MAX_LINKS = 40;

    private AtomicFiles() {
    }

    /** Writes what {@code body} produces. */
    public interface Body {
        /** Writes the content to {@code out}. */
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code target} atomically: to a temporary file beside it, then moved over it; a failure leaves the old file. */
    public static void write(Path target, Body body) throws IOException {
        Path abs = resolve(target);
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            try (OutputStream os = Files.newOutputStream(abs, StandardOpenOption.WRITE)) {
                body.write(os);
                os.flush();
            } catch (IOException e) {
                throw named(target, e);
            }
            return;
        }
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException(target + ": cannot create its directory " + dir + " (" + reason(e) + ")", e);
        }
        removeOrphans(dir, abs.getFileName().toString());
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, tempPrefix(abs.getFileName().toString()) + ProcessHandle.current().pid() + "-", ".tmp");
        } catch (IOException e) {
            throw named(target, e);
        }
        try {
            try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(os);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                // Temporary files are private (rw-------); a result file is an ordinary one.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw named(target, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The path a write to {@code target} replaces: absolute, symbolic links followed (a dangling link's
     * target is created). A directory is refused.
     */
    public static Path resolve(Path target) throws IOException {
        Path p = target.toAbsolutePath().normalize();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw new IOException(target + ": too many levels of symbolic links");
            }
            p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
        }
        if (Files.isDirectory(p)) {
            throw new IOException(target + " is a directory; give a file name");
        }
        return p;
    }

    /** Whether {@code target} is written as a stream (a device or FIFO) rather than replaced. */
    public static boolean isStream(Path target) throws IOException {
        Path p = resolve(target);
        return Files.exists(p) && !Files.isRegularFile(p);
    }

    private static String tempPrefix(String name) {
        return "." + name + ".pid";
    }

    /** Deletes temporary files of {@code name} left by processes that no longer run. */
    private static void removeOrphans(Path dir, String name) {
        String prefix = tempPrefix(name);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> {
            String f = p.getFileName().toString();
            return f.startsWith(prefix) && f.endsWith(".tmp");
        })) {
            for (Path f : files) {
                String rest = f.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                try {
                    long pid = Long.parseLong(rest.substring(0, dash));
                    if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                        Files.deleteIfExists(f);
                    }
                } catch (RuntimeException | IOException ignored) {
                    // not one of ours, or already gone
                }
            }
        } catch (IOException ignored) {
            // cleaning up is a courtesy; the write itself reports real problems
        }
    }

    private static IOException named(Path target, IOException e) {
        String m = reason(e);
        return m.contains(target.toString()) ? e : new IOException(target + ": " + m, e);
    }

    private static String reason(IOException e) {
        if (e.getMessage() != null && e.getMessage().contains("No space left")) {
            return "no space left on the device; nothing was replaced";
        }
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
