package dev.skyfn.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntryFileTest {

    /** The writer never comes by itself: lines reach the file only when the ring is full, a read needs them, or at force and close. */
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path dir;

    @Test
    void linesComeBackInOrderAcrossTheRingsLapsWhileOpenAndAfter() throws IOException {
        Path path = dir.resolve("entries.log");
        List<String> lines = lines(120);
        List<Long> starts = new ArrayList<>();
        try (EntryFile file = EntryFile.open(path, 1024, NEVER, (line, start) -> { })) {
            for (String line : lines) {
                byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
                starts.add(file.append(bytes, bytes.length));
            }
            for (int i = 0; i < lines.size(); i++) {
                byte[] read = new byte[lines.get(i).length()];
                file.read(starts.get(i), read);
                assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo(lines.get(i));
            }
        }
        assertThat(Files.exists(dir.resolve("entries.log.journal"))).as("the journal is removed at close").isFalse();
        assertThat(Files.readAllLines(path)).isEqualTo(lines);
        List<Long> reopened = new ArrayList<>();
        try (EntryFile file = EntryFile.open(path, (line, start) -> reopened.add(start))) {
            assertThat(file.end()).isEqualTo(Files.size(path));
        }
        assertThat(reopened).isEqualTo(starts);
    }

    @Test
    void linesAppendedBeforeAKillAreTakenFromTheJournal() throws Exception {
        Path path = dir.resolve("entries.log");
        try (EntryFile file = EntryFile.open(path, (line, start) -> { })) {
            for (String line : lines(10)) {
                file.append(line.getBytes(StandardCharsets.US_ASCII), line.length());
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Appender.class.getName(), path.toString(), "500")
                .redirectErrorStream(true).start();
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String said;
            do {
                said = out.readLine();
            } while (said != null && !said.equals("appended"));
            assertThat(said).as("the child appended its lines").isEqualTo("appended");
            child.destroyForcibly(); // SIGKILL: no close, no last write
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readAllLines(path).stream().filter(l -> !l.isEmpty() && l.charAt(0) != 0).count())
                .as("the killed writer had moved none of its lines to the file").isEqualTo(10);
        List<String> read = new ArrayList<>();
        try (EntryFile file = EntryFile.open(path, (line, start) -> read.add(new String(line, StandardCharsets.US_ASCII)))) {
            assertThat(read).hasSize(510);
        }
        List<String> expected = new ArrayList<>(lines(10));
        expected.addAll(Appender.lines(500));
        assertThat(read).isEqualTo(expected);
        assertThat(Files.readAllLines(path)).isEqualTo(expected);
    }

    @Test
    void aJournalThatDoesNotFollowTheFileAddsNothing() throws IOException {
        Path path = dir.resolve("entries.log");
        Path journal = dir.resolve("entries.log.journal");
        List<String> lines = lines(55);
        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        // a ring of 4 KiB: a quarter of it (what brings the writer early) is more than the last five lines
        try (EntryFile file = EntryFile.open(path, 4096, NEVER, (line, start) -> { })) {
            for (int i = 0; i < lines.size(); i++) {
                file.append(lines.get(i).getBytes(StandardCharsets.US_ASCII), lines.get(i).length());
                if (i == 49) {
                    file.force(); // fifty in the file, five in the journal alone
                }
            }
            Files.copy(path, crashed.resolve("entries.log"));
            Files.copy(journal, crashed.resolve("entries.log.journal"));
        }
        assertThat(Files.readAllLines(crashed.resolve("entries.log")).stream().filter(l -> l.indexOf(0) < 0).toList())
                .isEqualTo(lines.subList(0, 50));
        assertThat(reopen(crashed, f -> { })).as("a kill's state: the journal's five follow the file's fifty").isEqualTo(lines);

        assertThat(reopen(crashed, f -> {
            List<String> kept = lines.subList(0, 50).stream().map(l -> l.replace('a', 'b')).toList();
            Files.write(f.resolve("entries.log"), kept);
        })).as("the file's lines before the journal's differ from what it holds").hasSize(50);

        assertThat(reopen(crashed, f -> {
            try (var ch = java.nio.channels.FileChannel.open(f.resolve("entries.log.journal"), StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[8]), 0);
            }
        })).as("not a journal").hasSize(50);

        assertThat(reopen(crashed, f -> Files.write(f.resolve("entries.log"), lines.subList(0, 48))))
                .as("the file lost lines the journal still holds: taken from it").isEqualTo(lines);

        assertThat(reopen(crashed, f -> Files.write(f.resolve("entries.log"), lines.subList(0, 10))))
                .as("the file lost lines the journal no longer holds (its ring of 4 KiB went past them)").hasSize(10);
    }

    /** What a crashed directory's copy reads as after {@code change}, the journal's lines taken or not. */
    private List<String> reopen(Path crashed, Change change) throws IOException {
        Path copy = Files.createTempDirectory(dir, "copy");
        Files.copy(crashed.resolve("entries.log"), copy.resolve("entries.log"));
        Files.copy(crashed.resolve("entries.log.journal"), copy.resolve("entries.log.journal"));
        change.apply(copy);
        List<String> read = new ArrayList<>();
        try (EntryFile ignored = EntryFile.open(copy.resolve("entries.log"), (line, start) -> read.add(new String(line, StandardCharsets.US_ASCII)))) {
            return read;
        }
    }

    @FunctionalInterface
    private interface Change {
        void apply(Path dir) throws IOException;
    }

    /** Lines of 20 to 219 characters, each naming its number. */
    static List<String> lines(int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(("line " + i + " ").repeat(40).substring(0, 20 + (i * 53) % 200).replace(' ', 'a'));
        }
        return lines;
    }

    /** Appends lines to a file and waits to be killed: its writer never comes by itself. */
    static final class Appender {
        public static void main(String[] args) throws Exception {
            EntryFile file = EntryFile.open(Path.of(args[0]), EntryFile.RING, NEVER, (line, start) -> { });
            for (String line : lines(Integer.parseInt(args[1]))) {
                file.append(line.getBytes(StandardCharsets.US_ASCII), line.length());
            }
            System.out.println("appended");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }

        /** The lines it appends: not those the file held before. */
        static List<String> lines(int count) {
            return EntryFileTest.lines(count).stream().map(l -> "child-" + l).toList();
        }
    }
}
