package dev.agate.jdbc;

import dev.agate.spi.LeaderLock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader lock of an SQLite store: an operating-system lock on a file next to the database, which
 * the processes sharing that database all see, and which the system drops when the holder dies, even by
 * SIGKILL. A second store in the same process does not get it either.
 */
final class FileLeaderLock implements LeaderLock {
    private static final Logger log = LoggerFactory.getLogger(FileLeaderLock.class);

    private final Path file;
    private FileChannel channel;
    private FileLock lock;

    FileLeaderLock(Path databaseFile) {
        this.file = databaseFile.resolveSibling(databaseFile.getFileName() + ".leader");
    }

    @Override
    public synchronized boolean tryAcquire() {
        if (lock != null && lock.isValid()) {
            return true;
        }
        try {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // another store in this process leads
        } catch (IOException e) {
            log.warn("could not take the leader lock {}: {}", file, e.toString());
            lock = null;
        }
        if (lock == null) {
            closeChannel();
        }
        return lock != null;
    }

    @Override
    public synchronized boolean isHeld() {
        return lock != null && lock.isValid();
    }

    @Override
    public synchronized void release() {
        if (lock != null) {
            try {
                lock.release();
            } catch (IOException e) {
                log.debug("releasing {} failed; closing the file ends the lock", file, e);
            }
            lock = null;
        }
        closeChannel();
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing {} failed", file, e);
            }
            channel = null;
        }
    }
}
