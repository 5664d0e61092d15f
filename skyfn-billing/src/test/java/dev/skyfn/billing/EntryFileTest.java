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
    private static final java.util.function.Predicate<byte[]> ANY = line -> true;
    /** The lines {@link #lines} makes, and no others. */
    private static final java.util.function.Predicate<byte[]> OURS = line -> new String(line, StandardCharsets.US_ASCII).startsWith("linea");

    @TempDir
    Path dir;

    @Test
    void linesComeBackInOrderAcrossTheRingsLapsWhileOpenAndAfter() throws IOException {
        Path path = dir.resolve("entries.log");
        List<String> lines = lines(120);
        List<Long> starts = new ArrayList<>();
        EntryFile closed;
        try (EntryFile file = EntryFile.open(path, 1024, NEVER, ANY, (line, start) -> { })) {
            for (String line : lines) {
                byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
                starts.add(file.append(bytes, bytes.length));
            }
            for (int i = 0; i < lines.size(); i++) {
                assertThat(read(file, starts.get(i), lines.get(i).length())).isEqualTo(lines.get(i));
            }
            closed = file;
        }
        assertThat(read(closed, starts.get(7), lines.get(7).length())).as("read after close").isEqualTo(lines.get(7));
        try (var names = Files.list(dir)) {
            assertThat(names.map(p -> p.getFileName().toString()).toList()).as("the journal is removed at close").containsExactly("entries.log");
        }
        assertThat(Files.readAllLines(path)).isEqualTo(lines);
        List<Long> reopened = new ArrayList<>();
        try (EntryFile file = EntryFile.open(path, ANY, (line, start) -> reopened.add(start))) {
            assertThat(file.end()).isEqualTo(Files.size(path));
        }
        assertThat(reopened).isEqualTo(starts);
    }

    @Test
    void theJournalsRingStaysInMemoryWhileTheFileIsOpen() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(mayLock((long) EntryFile.RING + EntryFile.HEADER),
                "this process may not lock the ring's pages (RLIMIT_MEMLOCK, no CAP_IPC_LOCK): the ledger runs on without");
        Path path = dir.resolve("entries.log");
        try (EntryFile ignored = EntryFile.open(path, ANY, (line, start) -> { })) {
            assertThat(lockedKib(path.resolveSibling("entries.log.journal"))).as("the ring and its header, locked (KiB)")
                    .isEqualTo((EntryFile.RING + EntryFile.HEADER) / 1024);
        }
    }

    /** Whether this process may lock {@code bytes} more in memory: it has {@code CAP_IPC_LOCK}, or room under its {@code RLIMIT_MEMLOCK}. */
    private static boolean mayLock(long bytes) throws IOException {
        long capabilities = 0;
        long lockedKib = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                capabilities = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            } else if (line.startsWith("VmLck:")) {
                lockedKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        if ((capabilities & (1L << 14)) != 0) {
            return true;
        }
        String limit = Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max locked memory"))
                .map(l -> l.substring("Max locked memory".length()).trim().split("\\s+")[0]).findFirst().orElse("0");
        return limit.equals("unlimited") || Long.parseLong(limit) - lockedKib * 1024 >= bytes;
    }

    /** The KiB of {@code mapped}'s mappings in this process that are locked in memory, as {@code /proc/self/smaps} says. */
    private static long lockedKib(Path mapped) throws IOException {
        long locked = 0;
        boolean inIt = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inIt = line.endsWith(" " + mapped.toAbsolutePath());
            } else if (inIt && line.startsWith("Locked:")) {
                locked += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return locked;
    }

    @Test
    void linesAppendedBeforeAKillAreTakenFromTheJournal() throws Exception {
        Path path = dir.resolve("entries.log");
        try (EntryFile file = EntryFile.open(path, ANY, (line, start) -> { })) {
            for (String line : lines(10)) {
                file.append(line.getBytes(StandardCharsets.US_ASCII), line.length());
            }
        }
        appendAndKill(path, 500);
        assertThat(linesIn(path)).as("the killed writer had moved none of its lines to the file").hasSize(10);
        List<String> read = new ArrayList<>();
        try (EntryFile file = EntryFile.open(path, ANY, (line, start) -> read.add(new String(line, StandardCharsets.US_ASCII)))) {
            assertThat(read).hasSize(510);
        }
        List<String> expected = new ArrayList<>(lines(10));
        expected.addAll(Appender.lines(500));
        assertThat(read).isEqualTo(expected);
        assertThat(Files.readAllLines(path)).isEqualTo(expected);
    }

    @Test
    void aFileKilledOnANearlyFullDiskOpensAgainInTheSpaceItRanIn() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        // a disk of its own, a little larger than a journal: root's, as the node's tests run
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", disk.toString())
                .inheritIO().start().waitFor() == 0, "a tmpfs can be mounted");
        try {
            Path path = disk.resolve("entries.log");
            appendAndKill(path, 500);
            // the disk fills while the node is down: less is free than a journal takes, as much as the last one held
            long free = Files.getFileStore(disk).getUsableSpace();
            Files.write(disk.resolve("filler"), new byte[(int) (free - (2 << 20))]);
            assertThat(Files.getFileStore(disk).getUsableSpace()).isLessThan(EntryFile.RING);
            List<String> read = new ArrayList<>();
            try (EntryFile file = EntryFile.open(path, ANY, (line, start) -> read.add(new String(line, StandardCharsets.US_ASCII)))) {
                assertThat(read).isEqualTo(Appender.lines(500));
                file.append("one more".getBytes(StandardCharsets.US_ASCII), 8);
            }
            assertThat(Files.readAllLines(path)).hasSize(501).endsWith("one more");
        } finally {
            // lazily: the journal of a closed file stays mapped until its buffer is collected
            new ProcessBuilder("umount", "--lazy", disk.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aJournalThatDoesNotFollowTheFileAddsNothing() throws IOException {
        Path path = dir.resolve("entries.log");
        Path journal = dir.resolve("entries.log.journal");
        List<String> lines = lines(55);
        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        // a ring of 4 KiB: a quarter of it (what brings the writer early) is more than the last five lines
        try (EntryFile file = EntryFile.open(path, 4096, NEVER, ANY, (line, start) -> { })) {
            for (int i = 0; i < lines.size(); i++) {
                file.append(lines.get(i).getBytes(StandardCharsets.US_ASCII), lines.get(i).length());
                if (i == 49) {
                    file.force(); // fifty in the file, five in the journal alone
                }
            }
            Files.copy(journal, crashed.resolve("entries.log.journal"));
            Files.copy(path, crashed.resolve("entries.log"));
        }
        // the file as the force left it: the writer may have moved more since, as it may at any time
        Files.write(crashed.resolve("entries.log"), lines.subList(0, 50));
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
        try (var names = Files.list(lastCopy)) {
            assertThat(names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("entries.log.journal.rejected-")))
                    .as("a journal not taken is set aside for the operator").hasSize(1);
        }

        assertThat(reopen(crashed, f -> {
            // a power loss: the disk got the header, not the ring's page holding the 53rd line, which holds an older lap's bytes
            try (var ch = java.nio.channels.FileChannel.open(f.resolve("entries.log.journal"), StandardOpenOption.WRITE)) {
                long at = 0;
                for (String l : lines.subList(0, 52)) {
                    at += l.length() + 1;
                }
                ch.write(java.nio.ByteBuffer.wrap("older".getBytes(StandardCharsets.US_ASCII)), 4096 + at % 4096);
            }
        })).as("the journal's lines up to the first not whole").isEqualTo(lines.subList(0, 52));

        long fiftySecond = lines.subList(0, 52).stream().mapToLong(l -> l.length() + 1).sum();
        long appended = lines.stream().mapToLong(l -> l.length() + 1).sum();
        assertThat(reopen(crashed, ANY, f -> {
            // a power loss: the ring's pages from the 53rd line on still hold the lap before (the file's bytes one ring earlier)
            byte[] older = new byte[(int) (appended - fiftySecond)];
            try (var file = java.nio.channels.FileChannel.open(f.resolve("entries.log"));
                 var ch = java.nio.channels.FileChannel.open(f.resolve("entries.log.journal"), StandardOpenOption.WRITE)) {
                file.read(java.nio.ByteBuffer.wrap(older), fiftySecond - 4096);
                for (int i = 0; i < older.length; i++) {
                    ch.write(java.nio.ByteBuffer.wrap(older, i, 1), 4096 + (fiftySecond + i) % 4096);
                }
            }
        })).as("the journal's lines up to the first the ring's older lap left").isEqualTo(lines.subList(0, 52));

        assertThat(reopen(crashed, f -> Files.write(f.resolve("entries.log"), lines.subList(0, 48))))
                .as("the file lost lines the journal still holds: taken from it").isEqualTo(lines);

        assertThat(reopen(crashed, f -> Files.write(f.resolve("entries.log"), lines.subList(0, 10))))
                .as("the file lost lines the journal no longer holds (its ring of 4 KiB went past them)").hasSize(10);
    }

    private static String read(EntryFile file, long start, int length) throws IOException {
        byte[] bytes = new byte[length];
        file.read(start, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** A file's lines up to its zeros (an open file's last 64 MiB map makes it longer than its lines). */
    private static List<String> linesIn(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int zero = text.indexOf(0);
        return (zero < 0 ? text : text.substring(0, zero)).lines().toList();
    }

    @Test
    void aLineHalfCopiedWhenTheRingWasFullSpoilsNothingBeforeIt() throws IOException {
        Path path = dir.resolve("entries.log");
        List<String> lines = lines(200);
        int ring = 4096;
        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        long appended = 0;
        int taken = 0;
        try (EntryFile file = EntryFile.open(path, ring, NEVER, ANY, (line, start) -> { })) {
            for (; taken < 50; taken++) {
                appended = file.append(lines.get(taken).getBytes(StandardCharsets.US_ASCII), lines.get(taken).length()) + lines.get(taken).length() + 1;
            }
            file.force();
            long written = appended;
            // as many more as fit before an append would wait for the writer
            while (appended + lines.get(taken).length() + 1 + EntryFile.overlap(ring) - written <= ring) {
                appended = file.append(lines.get(taken).getBytes(StandardCharsets.US_ASCII), lines.get(taken).length()) + lines.get(taken).length() + 1;
                taken++;
            }
            Files.copy(dir.resolve("entries.log.journal"), crashed.resolve("entries.log.journal"));
            Files.write(crashed.resolve("entries.log"), lines.subList(0, 50)); // the file as the force left it: the writer may have moved more since
            // the next line, as much of it as an append may copy before it publishes its end, half copied when killed
            long room = written + ring - EntryFile.overlap(ring) - appended;
            try (var ch = java.nio.channels.FileChannel.open(crashed.resolve("entries.log.journal"), StandardOpenOption.WRITE)) {
                for (long at = appended; at < appended + room; at++) {
                    ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), 4096 + at % ring);
                }
            }
        }
        assertThat(taken).as("the ring was filled past a lap").isGreaterThan(60);
        assertThat(reopen(crashed, f -> { })).isEqualTo(lines.subList(0, taken));
    }

    /** {@link Appender}'s {@code count} lines appended to {@code path} by a child process, then SIGKILL: no close, no last write. */
    private static void appendAndKill(Path path, int count) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Appender.class.getName(), path.toString(),
                Integer.toString(count)).redirectErrorStream(true).start();
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String said;
            do {
                said = out.readLine();
            } while (said != null && !said.equals("appended"));
            assertThat(said).as("the child appended its lines").isEqualTo("appended");
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** What a crashed directory's copy reads as after {@code change}, the journal's lines taken or not. */
    private List<String> reopen(Path crashed, Change change) throws IOException {
        return reopen(crashed, OURS, change);
    }

    private List<String> reopen(Path crashed, java.util.function.Predicate<byte[]> whole, Change change) throws IOException {
        Path copy = Files.createTempDirectory(dir, "copy");
        Files.copy(crashed.resolve("entries.log"), copy.resolve("entries.log"));
        Files.copy(crashed.resolve("entries.log.journal"), copy.resolve("entries.log.journal"));
        change.apply(copy);
        List<String> read = new ArrayList<>();
        try (EntryFile ignored = EntryFile.open(copy.resolve("entries.log"), whole, (line, start) -> read.add(new String(line, StandardCharsets.US_ASCII)))) {
            lastCopy = copy;
            return read;
        }
    }

    private Path lastCopy;

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
            EntryFile file = EntryFile.open(Path.of(args[0]), EntryFile.RING, NEVER, ANY, (line, start) -> { });
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
