package dev.agate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds the runtime to its layers (see the package comments and docs/architecture.md): packages under
 * {@code dev.agate.internal} form a one-way stack, read from the sources' imports and fully qualified
 * names. A package may use only the packages below it; two packages on one floor never use each other.
 * Only {@code dev.agate.AgateHost} of the API reaches into {@code internal}; the adapter modules never
 * do. An internal file past {@value #MAX_LINES} lines must say why it is one piece in a design block.
 */
class LayeringTest {
    static final int MAX_LINES = 500;

    /** The floors, top first: a package may depend only on packages of a higher number. "" is dev.agate.internal itself. */
    static final Map<String, Integer> FLOORS = floors(
            "host", 0,
            "execution", 1, "durability", 1,
            "bus", 2,
            "transport", 3,
            "deadletter", 4,
            "endpoint", 5,
            "storage", 6,
            "routing", 7,
            "handlers", 8,
            "", 9);

    private static final Pattern INTERNAL_NAME = Pattern.compile("\\bdev\\.agate\\.internal((?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

    @Test
    void theRuntimeImportsRunOneWayDownTheStack() {
        Map<String, String> sources = read(Path.of("src/main/java"));
        assertThat(sources).as("sources of agate-core").hasSizeGreaterThan(50);

        assertThat(violations(sources)).isEmpty();
    }

    @Test
    void thePackageGraphHasTheExpectedShapeAndNoCycle() {
        Map<String, Set<String>> graph = packageGraph(read(Path.of("src/main/java")));

        assertThat(graph.keySet()).as("internal packages").containsExactlyInAnyOrderElementsOf(FLOORS.keySet());
        assertThat(graph.get("host")).contains("execution", "durability", "bus", "transport", "storage");
        assertThat(graph.get("storage")).doesNotContain("endpoint", "execution", "bus");
        assertThat(cycle(graph)).as("a cycle between internal packages").isEmpty();
        StringBuilder drawn = new StringBuilder("internal packages and what each uses (top floor first):");
        graph.entrySet().stream().sorted(java.util.Comparator.comparing(e -> FLOORS.get(e.getKey()))).forEach(e -> drawn.append("\n  ")
                .append(named(e.getKey())).append(" -> ").append(e.getValue().stream().map(LayeringTest::named).toList()));
        System.out.println(drawn);
    }

    @Test
    void adaptersUseOnlyTheApiAndTheSpi() {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> modules = Files.list(Path.of(".."))) {
            for (Path module : modules.filter(m -> m.getFileName().toString().startsWith("agate-")
                    && !m.getFileName().toString().equals("agate-core")).toList()) {
                read(module.resolve("src/main/java")).forEach((file, text) -> {
                    if (INTERNAL_NAME.matcher(code(text)).find()) {
                        offenders.add(module.getFileName() + "/" + file);
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(offenders).as("adapter files that use dev.agate.internal").isEmpty();
    }

    // ---- the checker proves it can fail

    @Test
    void anImportUpTheStackIsReported() {
        Map<String, String> sources = Map.of(
                "dev/agate/internal/storage/Store.java", "package dev.agate.internal.storage;\nimport dev.agate.internal.bus.Endpoints;\nclass Store {}",
                "dev/agate/internal/bus/Endpoints.java", "package dev.agate.internal.bus;\nimport dev.agate.internal.storage.Store;\nclass Endpoints {}");

        assertThat(violations(sources)).singleElement().asString()
                .contains("storage/Store.java").contains("uses dev.agate.internal.bus");
        assertThat(cycle(packageGraph(sources))).containsExactly("bus", "storage", "bus");
    }

    @Test
    void siblingsOnOneFloorAnInlineNameAndAnUnknownPackageAreReported() {
        Map<String, String> sources = Map.of(
                "dev/agate/internal/execution/A.java", "package dev.agate.internal.execution;\nclass A { dev.agate.internal.durability.B b; }",
                "dev/agate/internal/misc/C.java", "package dev.agate.internal.misc;\nclass C {}",
                "dev/agate/Api.java", "package dev.agate;\nclass Api { dev.agate.internal.host.X x; }",
                "dev/agate/internal/host/D.java", "package dev.agate.internal.host;\n// dev.agate.internal.nowhere.Z in a comment counts for nothing\nclass D {}");

        assertThat(violations(sources)).hasSize(3)
                .anySatisfy(v -> assertThat(v).contains("execution/A.java").contains("dev.agate.internal.durability"))
                .anySatisfy(v -> assertThat(v).contains("misc/C.java").contains("not in the stack"))
                .anySatisfy(v -> assertThat(v).contains("dev/agate/Api.java").contains("only AgateHost"));
    }

    @Test
    void aLongFileWithoutADesignBlockIsReported() {
        String body = "package dev.agate.internal.bus;\n/** Short. */\nclass Big {\n" + "int x;\n".repeat(MAX_LINES) + "}\n";
        String explained = body.replace("/** Short. */", "/**\n * Short.\n *\n * <p>Design: one thread owns it all.\n */");

        assertThat(violations(Map.of("dev/agate/internal/bus/Big.java", body))).singleElement().asString().contains("design block");
        assertThat(violations(Map.of("dev/agate/internal/bus/Big.java", explained))).isEmpty();
    }

    // ---- the checker

    /** What breaks the rules, one line per finding; empty when the sources keep them. */
    static List<String> violations(Map<String, String> sources) {
        List<String> found = new ArrayList<>();
        sources.forEach((file, text) -> {
            String from = internalPackage(file);
            boolean api = from == null;
            if (!api && !FLOORS.containsKey(from)) {
                found.add(file + ": dev.agate.internal." + from + " is not in the stack; give it a floor in LayeringTest.FLOORS");
                return;
            }
            for (String to : internalNamesIn(text)) {
                if (api) {
                    if (!file.endsWith("dev/agate/AgateHost.java")) {
                        found.add(file + ": uses dev.agate.internal" + dotted(to) + "; only AgateHost of the API may");
                    }
                } else if (!to.equals(from) && (!FLOORS.containsKey(to) || FLOORS.get(to) <= FLOORS.get(from))) {
                    found.add(file + " (floor " + FLOORS.get(from) + ") uses dev.agate.internal" + dotted(to)
                            + " (floor " + FLOORS.getOrDefault(to, -1) + "): a package may use only the floors below it");
                }
            }
            if (!api && text.lines().count() > MAX_LINES && !designBlock(text)) {
                found.add(file + ": " + text.lines().count() + " lines and no design block saying why it is one piece");
            }
        });
        return found;
    }

    /** Internal package → the internal packages its files use. */
    static Map<String, Set<String>> packageGraph(Map<String, String> sources) {
        Map<String, Set<String>> graph = new TreeMap<>();
        sources.forEach((file, text) -> {
            String from = internalPackage(file);
            if (from != null) {
                Set<String> uses = graph.computeIfAbsent(from, p -> new TreeSet<>());
                internalNamesIn(text).stream().filter(to -> !to.equals(from)).forEach(uses::add);
            }
        });
        return graph;
    }

    /** A cycle as the packages along it, first one repeated at the end; empty when there is none. */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new LinkedHashMap<>(); // 1: on the path, 2: done
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            if (walk(start, graph, state, path)) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean walk(String node, Map<String, Set<String>> graph, Map<String, Integer> state, List<String> path) {
        Integer seen = state.get(node);
        if (seen != null && seen == 2) {
            return false;
        }
        if (seen != null) {
            path.subList(0, path.indexOf(node)).clear();
            path.add(node);
            return true;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (walk(next, graph, state, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return false;
    }

    private static Set<String> internalNamesIn(String text) {
        Set<String> packages = new TreeSet<>();
        Matcher names = INTERNAL_NAME.matcher(code(text));
        while (names.find()) {
            packages.add(names.group(1).isEmpty() ? "" : names.group(1).substring(1));
        }
        return packages;
    }

    /** The internal package of a source path ("" for dev.agate.internal itself), or null outside it. */
    private static String internalPackage(String file) {
        String prefix = "dev/agate/internal/";
        if (!file.startsWith(prefix)) {
            return null;
        }
        String rest = file.substring(prefix.length());
        int slash = rest.lastIndexOf('/');
        return slash < 0 ? "" : rest.substring(0, slash).replace('/', '.');
    }

    /** The class comment says why the file is one piece: a paragraph that starts with "Design". */
    private static boolean designBlock(String text) {
        int type = text.indexOf("\nclass ");
        for (String keyword : List.of("\npublic final class ", "\nfinal class ", "\npublic class ", "\nabstract class ", "\npublic interface ")) {
            int at = text.indexOf(keyword);
            if (at >= 0 && (type < 0 || at < type)) {
                type = at;
            }
        }
        String head = type < 0 ? text : text.substring(0, type);
        return head.contains("<p>Design") || head.contains("* Design");
    }

    private static String named(String pkg) {
        return pkg.isEmpty() ? "(internal)" : pkg;
    }

    private static String dotted(String pkg) {
        return pkg.isEmpty() ? "" : "." + pkg;
    }

    /** The text without comments and string literals: names there are not dependencies. */
    private static String code(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "").replaceAll("\"(\\\\.|[^\"\\\\\n])*\"", "\"\"");
    }

    /** Source path (relative, with '/') → text, for every .java file under {@code root}; empty when it does not exist. */
    static Map<String, String> read(Path root) {
        if (!Files.isDirectory(root)) {
            return Map.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .collect(Collectors.toMap(f -> root.relativize(f).toString().replace('\\', '/'), LayeringTest::text, (a, b) -> a, TreeMap::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Integer> floors(Object... pairs) {
        Map<String, Integer> floors = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            floors.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return Map.copyOf(floors);
    }
}
