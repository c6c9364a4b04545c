package dev.agate.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The harness's command line: {@code [--quick] [--scenario NAME]... [--store sqlite|postgres|mariadb]
 * [--output FILE] [--in-process]}.
 *
 * @param quick     smaller message counts, for a run of about a minute
 * @param scenarios the scenarios to run, in the order of {@link Scenarios#names()}; when none is named, {@link Scenarios#byDefault()}
 * @param store     the message store for durable scenarios; empty for their default (SQLite, then PostgreSQL)
 * @param output    where the JSON report goes
 * @param inProcess run every scenario in this JVM instead of one fresh JVM per scenario
 */
record Options(boolean quick, List<String> scenarios, Optional<String> store, Path output, boolean inProcess) {
    static final List<String> STORES = List.of("sqlite", "postgres", "mariadb");
    /** The store of a quick run's database scenarios when {@code --store} names none (a full run measures SQLite, then PostgreSQL). */
    static final String QUICK_STORE = "postgres";
    static final Path DEFAULT_OUTPUT = Path.of("benchmarks", "results", "latest.json");

    static String usage() {
        return "usage: benchmarks/run [--quick] [--store " + String.join("|", STORES) + "] [--scenario NAME]...\n"
                + "       (the harness itself also takes --output FILE, default " + DEFAULT_OUTPUT + ", and\n"
                + "       --in-process, to run every scenario in this JVM instead of one new JVM per scenario)\n"
                + "known scenarios: " + String.join(", ", Scenarios.names());
    }

    static Options parse(String... args) throws UsageException {
        boolean quick = false;
        Set<String> scenarios = new LinkedHashSet<>();
        String store = null;
        Path output = DEFAULT_OUTPUT;
        boolean inProcess = false;
        for (Iterator<String> it = List.of(args).iterator(); it.hasNext(); ) {
            String arg = it.next();
            switch (arg) {
                case "--quick" -> quick = true;
                case "--scenario" -> scenarios.add(knownScenario(valueOf(arg, it)));
                case "--store" -> store = knownStore(valueOf(arg, it));
                case "--output" -> output = Path.of(valueOf(arg, it));
                case "--in-process" -> inProcess = true;
                default -> throw new UsageException("unknown option '" + arg + "'");
            }
        }
        if (quick && store == null) {
            store = QUICK_STORE; // a quick run measures one store, so that it stays short
        }
        return new Options(quick, inRunOrder(scenarios), Optional.ofNullable(store), output, inProcess);
    }

    /** The command line of a JVM that runs one scenario of this run in-process and reports to {@code output}. */
    List<String> forOneScenario(String scenario, Path output) {
        List<String> args = new ArrayList<>(List.of("--in-process", "--scenario", scenario, "--output", output.toString()));
        if (quick) {
            args.add("--quick");
        }
        store.ifPresent(s -> {
            args.add("--store");
            args.add(s);
        });
        return args;
    }

    private static String valueOf(String option, Iterator<String> it) throws UsageException {
        if (!it.hasNext()) {
            throw new UsageException(option + " needs a value");
        }
        return it.next();
    }

    private static String knownScenario(String name) throws UsageException {
        if (!Scenarios.names().contains(name)) {
            throw new UsageException("unknown scenario '" + name + "'");
        }
        return name;
    }

    private static String knownStore(String name) throws UsageException {
        if (!STORES.contains(name)) {
            throw new UsageException("unknown store '" + name + "'; known stores: " + String.join(", ", STORES));
        }
        return name;
    }

    private static List<String> inRunOrder(Set<String> chosen) {
        List<String> ordered = new ArrayList<>(chosen.isEmpty() ? Scenarios.byDefault() : Scenarios.names());
        if (!chosen.isEmpty()) {
            ordered.retainAll(chosen);
        }
        return List.copyOf(ordered);
    }
}
