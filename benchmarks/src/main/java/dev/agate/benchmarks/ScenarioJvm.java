package dev.agate.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scenario in a new JVM with this JVM's options and class path, and reads back its results.
 *
 * <p>Why: scenarios that share a JVM share the JIT's profile of Agate's code, so a row can depend on
 * what ran before it. It has happened: on a 2-core machine, with an earlier agate-core, {@code invoke}
 * ran at about 2.5 million calls/s alone but under 1 million/s after {@code buffered-local} in the same
 * JVM, allocating 1,072 instead of 640 bytes per call. One JVM per scenario rules that out. The
 * child's progress and errors go to this process's stderr.
 */
final class ScenarioJvm {
    private ScenarioJvm() {
    }

    static List<Result> run(String scenario, Options options) throws Exception {
        return run(scenario, options, List.of());
    }

    /** As above, with JVM options of the scenario's own after this JVM's (system properties the harness hands it). */
    static List<Result> run(String scenario, Options options, List<String> jvmOptions) throws Exception {
        Path report = Files.createTempFile("agate-bench-" + scenario + "-", ".json");
        try {
            Process child = new ProcessBuilder(command(jvmOptions, options.forOneScenario(scenario, report)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            int status = child.waitFor();
            if (status != 0) {
                throw new IllegalStateException("scenario " + scenario + " failed in its JVM (exit status " + status
                        + "); its errors are above");
            }
            return JsonReport.readResults(report);
        } finally {
            Files.deleteIfExists(report);
        }
    }

    private static List<String> command(List<String> jvmOptions, List<String> harnessArguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchmarkMain.class.getName());
        command.addAll(harnessArguments);
        return command;
    }
}
