package org.eqflow.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive claim on an output file for the length of a run, so that two runs writing the same
 * model never both succeed while one model is silently lost: the second is refused at once. The claim
 * is an operating-system lock on {@code .NAME.lock} beside the target, released when the run ends or
 * its process dies (a stale lock file from a killed run does not block anyone).
 */
public final class OutputLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Claims {@code target}, or fails with a message naming it and the other run's lock. */
    public static OutputLock acquire(Path target) throws IOException {
        Path real = AtomicFiles.resolve(target);
        Files.createDirectories(real.getParent());
        Path file = real.resolveSibling("." + real.getFileName() + ".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException(target + " is being written by another eqflow run (it holds " + file
                    + "); wait for it to finish or choose another --out");
        }
        return new OutputLock(file, ch, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
