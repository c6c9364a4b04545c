package dev.agate.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;

/** CPU time, allocation and peak heap of this JVM, from the platform MXBeans. */
final class ProcessMetrics {
    private ProcessMetrics() {
    }

    /** CPU time used by the whole process so far, in nanoseconds; -1 when the JVM does not tell. */
    static long cpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /**
     * Heap bytes allocated so far by every thread, those that ended included; -1 when the JVM does not
     * tell. An approximation that the JVM updates as threads fill their allocation buffers.
     */
    static long allocatedBytes() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemoryEnabled()
                ? sun.getTotalThreadAllocatedBytes() : -1;
    }

    /** Collects garbage, then starts the heap peaks afresh, so the next phase's peak is its own. */
    static void resetHeapPeaks() {
        System.gc();
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /**
     * The sum of each heap pool's peak use since {@link #resetHeapPeaks()}, in bytes. The pools may peak
     * at different moments, so this is an upper bound of the heap really used at once.
     */
    static long peakHeapBytes() {
        return heapPools().stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isValid())
                .toList();
    }
}
