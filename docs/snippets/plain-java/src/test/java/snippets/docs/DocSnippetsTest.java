package snippets.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of the README and of {@code docs/*.md} is compiled: in one source file of
 * these snippet projects, its {@code import} lines are among the file's imports and each of its paragraphs
 * (the runs of lines between blank lines), in the block's order, appears as consecutive lines, indentation
 * aside. A paragraph's first line may end a longer line ({@code return AgateHost.builder()} holds the
 * block's {@code AgateHost.builder()}), so a page can show an expression that the source returns. A block
 * edited in a page and not here, or here and not in the page, fails this test with the page and line.
 */
class DocSnippetsTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Path SNIPPETS = Path.of("").toAbsolutePath().getParent();
    private static final Path REPOSITORY = SNIPPETS.getParent().getParent();

    @Test
    void everyJavaBlockOfTheReadmeAndDocsIsInACompiledSource() throws IOException {
        Map<Path, List<String>> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SNIPPETS)) {
            files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/"))
                    .forEach(f -> sources.put(f, significantLines(read(f))));
        }
        List<Path> pages = new ArrayList<>(List.of(REPOSITORY.resolve("README.md")));
        try (Stream<Path> docs = Files.list(REPOSITORY.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
        }

        int blocks = 0;
        List<String> missing = new ArrayList<>();
        for (Path page : pages) {
            String text = read(page);
            Matcher block = JAVA_BLOCK.matcher(text);
            while (block.find()) {
                blocks++;
                List<String> imports = significantLines(block.group(1)).stream().filter(l -> l.startsWith("import ")).toList();
                List<List<String>> paragraphs = paragraphs(block.group(1));
                boolean found = sources.values().stream()
                        .anyMatch(source -> source.containsAll(imports) && containsInOrder(source, paragraphs));
                if (!found) {
                    int line = (int) text.substring(0, block.start()).chars().filter(c -> c == '\n').count() + 1;
                    missing.add(REPOSITORY.relativize(page) + ":" + line + " (" + paragraphs.get(0).get(0) + ")");
                }
            }
        }
        System.out.printf("%d java blocks in %d pages, %d source files%n", blocks, pages.size(), sources.size());
        assertThat(blocks).as("java blocks found in the README and docs/").isGreaterThan(10);
        assertThat(missing).as("java blocks of the README and docs/ that are not in docs/snippets' sources").isEmpty();
    }

    /** The block's runs of non-blank lines other than imports, each line stripped. */
    private static List<List<String>> paragraphs(String block) {
        List<List<String>> paragraphs = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : block.lines().map(String::strip).toList()) {
            if (line.isEmpty()) {
                if (!current.isEmpty()) {
                    paragraphs.add(current);
                    current = new ArrayList<>();
                }
            } else if (!line.startsWith("import ")) {
                current.add(line);
            }
        }
        if (!current.isEmpty()) {
            paragraphs.add(current);
        }
        return paragraphs;
    }

    /** Whether the paragraphs appear in the source one after another, each as consecutive lines. */
    private static boolean containsInOrder(List<String> source, List<List<String>> paragraphs) {
        int from = 0;
        for (List<String> paragraph : paragraphs) {
            int at = find(source, paragraph, from);
            if (at < 0) {
                return false;
            }
            from = at + paragraph.size();
        }
        return true;
    }

    private static int find(List<String> source, List<String> paragraph, int from) {
        for (int at = from; at + paragraph.size() <= source.size(); at++) {
            if (source.get(at).endsWith(paragraph.get(0))
                    && source.subList(at + 1, at + paragraph.size()).equals(paragraph.subList(1, paragraph.size()))) {
                return at;
            }
        }
        return -1;
    }

    /** The lines, each without its indentation and trailing blanks; blank lines left out. */
    private static List<String> significantLines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
