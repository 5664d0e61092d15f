package dev.skyfn.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {

    private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T11:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final SigningKey key = SigningKey.generate();

    @Test
    void aTenantProvesItsRecordsAndOnlyItsOwnAcrossRestarts() {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 30);
            ledger.signHead();
            ledger.append(Records.of("alice", "late", T0 + 100, 1, 128));
            Verifier.Report report = verify(ledger, "alice", Optional.empty());
            assertThat(report.failures()).isEmpty();
            assertThat(report.records()).isEqualTo(15);
            assertThat(report.pending()).isEqualTo(1);
        }
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.problems()).isEmpty();
            assertThat(reopened.size()).isEqualTo(31);
            TreeHead head = reopened.signHead().orElseThrow();
            assertThat(head.size()).isEqualTo(31);
            assertThat(reopened.heads()).hasSize(2);
            Verifier.Report report = verify(reopened, "alice", Optional.empty());
            assertThat(report.failures()).isEmpty();
            assertThat(report.records()).isEqualTo(16);
            assertThat(reopened.entries("alice", T0, T0 + 100, head).entries()).hasSize(15);
        }
    }

    @Test
    void aLedgersKeyIsMadeBeforeItsFirstHeadAndNeverAgainOnceItSignedOne() throws IOException {
        SigningKey made = Ledger.key(dir);
        assertThat(Ledger.key(dir).publicKey()).as("read back").isEqualTo(made.publicKey());
        try (Ledger ledger = Ledger.open(dir, made, CLOCK)) {
            write(ledger, 0, 3);
        }
        java.nio.file.Files.delete(dir.resolve("node.key"));
        assertThat(Ledger.key(dir).publicKey()).as("no head signed yet: a new key signs them all").isNotEqualTo(made.publicKey());
        try (Ledger ledger = Ledger.open(dir, Ledger.key(dir), CLOCK)) {
            ledger.signHead();
        }
        java.nio.file.Files.delete(dir.resolve("node.key"));
        assertThatThrownBy(() -> Ledger.key(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("node.key is missing, but").hasMessageContaining("holds heads signed with it: restore it");
        assertThat(dir.resolve("node.key")).as("no key made in its place").doesNotExist();
    }

    @Test
    void aThreadInterruptedWhileItMetersDoesNotCloseTheLedgerForEveryOtherOne() {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 5);
            Thread.currentThread().interrupt();
            try {
                write(ledger, 5, 10);
                assertThat(ledger.signHead()).isPresent();
                assertThat(Thread.currentThread().isInterrupted()).as("its interrupt is given back").isTrue();
            } finally {
                Thread.interrupted();
            }
            write(ledger, 10, 15);
            assertThat(ledger.signHead().orElseThrow().size()).isEqualTo(15);
        }
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.latestHead().orElseThrow().size()).isEqualTo(15);
        }
    }

    @Test
    void hashingAsRecordsComeSignsTheSameHeadAsHashingAtTheHead() {
        TreeHead atOnce;
        try (Ledger ledger = Ledger.open(dir.resolve("at-once"), key, CLOCK)) {
            write(ledger, 0, 9);
            atOnce = ledger.signHead().orElseThrow();
        }
        try (Ledger ledger = Ledger.open(dir.resolve("as-they-come"), key, CLOCK)) {
            write(ledger, 0, 4);
            ledger.hash();
            ledger.hash(); // nothing new: nothing hashed twice
            write(ledger, 4, 9);
            TreeHead head = ledger.signHead().orElseThrow();
            assertThat(head.size()).isEqualTo(9);
            assertThat(head.root()).isEqualTo(atOnce.root());
            assertThat(verify(ledger, "alice", Optional.empty()).failures()).isEmpty();
        }
    }

    @Test
    void aRecordChangedOnDiskIsNamed() throws IOException {
        TreeHead head;
        Map<Long, byte[]> verified = new HashMap<>();
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 20);
            head = ledger.signHead().orElseThrow();
            ledger.entries("alice", 0, Long.MAX_VALUE, head).entries().forEach(e -> verified.put(e.index(), MerkleTree.leafHash(e.leaf())));
        }
        replaceInEntries("\"invocation\":\"call-4\"", "\"billedMs\":5,", "\"billedMs\":9,");
        try (Ledger tampered = Ledger.open(dir, key, CLOCK)) {
            assertThat(tampered.problems()).singleElement().asString().contains("no longer have the root signed");
            assertThat(verify(tampered, "alice", Optional.of(head), verified).failures()).singleElement().asString()
                    .isEqualTo("entry 4 (invocation:n-1:call-4@" + (T0 + 4) + ") has changed since it was verified");
            // without the record's earlier hash: every record of the tenant fails against the signed head, and says so
            assertThat(verify(tampered, "alice", Optional.of(head)).failures()).singleElement().asString()
                    .startsWith("10 records are not what the head of 20 entries signed (entry 0 (invocation:n-1:call-0@" + T0 + "), ");
            // another tenant's record changed: bob's own records, verified before and unchanged, are not blamed
            Map<Long, byte[]> bobsBefore = new HashMap<>();
            for (long i = 1; i < 19; i += 2) { // bob's first 9 records were verified; his last one, 19, was not
                bobsBefore.put(i, MerkleTree.leafHash(tampered.leaf(i)));
            }
            assertThat(verify(tampered, "bob", Optional.of(head), bobsBefore).failures()).containsExactly(
                    "the head of 20 entries no longer proves 9 record(s) verified before and unchanged since: entries around them were"
                            + " changed, removed or reordered",
                    "entry 19 (invocation:n-1:call-19@" + (T0 + 19) + ") not verified before is not what the head of 20 entries signed");
        }
    }

    @Test
    void aLedgerItsKeeperKnowsDamagedFailsVerificationThoughTheTenantsProofsHold() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 4);
            ledger.signHead();
            ledger.append(Records.of("alice", "late", T0 + 100, 1, 128));
        }
        Files.writeString(dir.resolve("entries.log"), "{\"not\":\"a record\"}\n", java.nio.file.StandardOpenOption.APPEND);
        try (Ledger damaged = Ledger.open(dir, key, CLOCK)) {
            assertThat(damaged.problems()).isNotEmpty();
            assertThat(verify(damaged, "alice", Optional.empty()).failures()).singleElement().asString()
                    .startsWith("the ledger's keeper reports it damaged (").contains(damaged.problems().getFirst())
                    .endsWith("it signs no head over it any more, so the 1 record(s) written since its latest head will never be proven");
        }
    }

    @Test
    void aRecordRemovedOrHistoryRewrittenIsCaughtByTheHeadsSignedBefore() throws IOException {
        TreeHead verifiedBefore;
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 10);
            ledger.signHead();
            write(ledger, 10, 20);
            verifiedBefore = ledger.signHead().orElseThrow();
        }
        dropEntry("\"invocation\":\"call-3\"");
        try (Ledger dropped = Ledger.open(dir, key, CLOCK)) {
            assertThat(dropped.problems()).hasSize(2);
            assertThat(Verifier.verify(SigningKey.publicKey(dropped.publicKey()), "alice", dropped.heads(), Optional.empty(), null,
                    proofs(dropped), Map.of()).failures())
                    .containsExactly("the head of 20 entries signed at " + CLOCK.instant() + " does not extend the head of 10 entries signed at "
                            + CLOCK.instant() + ": no consistency proof (no tree of 20 entries; the log holds 19)");
            assertThatThrownBy(() -> dropped.entries("alice", 0, Long.MAX_VALUE, dropped.latestHead().orElseThrow()))
                    .hasMessage("the ledger holds 19 entries, fewer than its signed head of 20: entries were removed");
        }
        // the operator signs the altered history afresh: only the head the tenant verified before shows it
        Files.delete(dir.resolve("heads.log"));
        try (Ledger rewritten = Ledger.open(dir, key, CLOCK)) {
            rewritten.signHead();
            assertThat(rewritten.problems()).isEmpty();
            assertThat(verify(rewritten, "alice", Optional.empty()).failures()).isEmpty();
            assertThat(verify(rewritten, "alice", Optional.of(verifiedBefore)).failures()).singleElement().asString()
                    .contains("does not extend the head of 20 entries").contains("(the head verified last time)");
        }
    }

    @Test
    void aDamagedLedgerSignsNoMoreHeadsAndGivesNoBill() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 5);
            ledger.signHead();
        }
        replaceInEntries("\"invocation\":\"call-2\"", "\"billedMs\":5,", "\"billedMs\":7,");
        try (Ledger damaged = Ledger.open(dir, key, CLOCK)) {
            damaged.append(Records.of("alice", "after", T0, 1, 128));
            assertThat(damaged.signHead().orElseThrow().size()).as("the head signed before the damage, no newer").isEqualTo(5);
            assertThat(damaged.heads()).hasSize(1);
            // found at start: no bill, for the tenant whose record changed or any other
            for (String tenant : new String[] {"alice", "bob", null}) {
                assertThatThrownBy(() -> damaged.records(tenant, 0, Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("the first 5 entries no longer have the root signed at");
            }
            // the records are still served with their proof: a tenant's verification names the one that changed
            assertThat(damaged.entries("alice", 0, Long.MAX_VALUE, damaged.heads().getFirst()).entries()).hasSize(3);
        }
    }

    @Test
    void anEntryChangedInTheFileWhileTheNodeRunsStopsItsBills() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 4);
            ledger.signHead();
            assertThat(ledger.records("alice", 0, Long.MAX_VALUE)).hasSize(2);
            replaceInEntries("\"invocation\":\"call-2\"", "\"billedMs\":5,", "\"billedMs\":7,");
            assertThatThrownBy(() -> ledger.records(null, 0, Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("entry 2 changed in the file since it was written");
            assertThat(ledger.problems()).containsExactly("entry 2 changed in the file since it was written");
            ledger.append(Records.of("alice", "later", T0, 1, 128));
            assertThat(ledger.signHead().orElseThrow().size()).isEqualTo(4);
        }
    }

    @Test
    void anotherTenantsRecordPassedOffAsOnesOwnIsNamed() {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 6);
            TreeHead head = ledger.signHead().orElseThrow();
            Ledger.Proven bobs = ledger.entries("bob", 0, Long.MAX_VALUE, head);
            Verifier.Report report = Verifier.verify(SigningKey.publicKey(ledger.publicKey()), "alice", ledger.heads(), Optional.empty(),
                    bobs, proofs(ledger), Map.of());
            assertThat(report.failures()).containsExactly(
                    "entry 1 (invocation:n-1:call-1@" + (T0 + 1) + ") is not a record of tenant alice",
                    "entry 3 (invocation:n-1:call-3@" + (T0 + 3) + ") is not a record of tenant alice",
                    "entry 5 (invocation:n-1:call-5@" + (T0 + 5) + ") is not a record of tenant alice");
        }
    }

    @Test
    void aLedgerThatCannotOpenLeavesNothingRunningAndOpensOnceItsFilesAreRight() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 3);
        }
        Files.delete(dir.resolve("heads.log"));
        Files.createDirectory(dir.resolve("heads.log")); // unreadable as a file of heads
        assertThatThrownBy(() -> Ledger.open(dir, key, CLOCK)).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("cannot open the usage ledger");
        // its journal's writer was stopped and joined before the failure reached the caller
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("usage-ledger-writer") && t.isAlive());
        Files.delete(dir.resolve("heads.log"));
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            assertThat(ledger.size()).isEqualTo(3);
            assertThat(ledger.problems()).isEmpty();
        }
    }

    @Test
    void aForgedHeadOrAnotherKeyIsRefused() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 4);
            ledger.signHead();
            var otherKey = SigningKey.publicKey(SigningKey.generate().publicKey());
            Verifier.Report other = Verifier.verify(otherKey, "alice", ledger.heads(), Optional.empty(), null, proofs(ledger), Map.of());
            assertThat(other.failures()).singleElement().asString().contains("does not carry the ledger's signature");
        }
        String heads = Files.readString(dir.resolve("heads.log"));
        Files.writeString(dir.resolve("heads.log"), heads.replace("\"size\":4", "\"size\":3"));
        try (Ledger forged = Ledger.open(dir, key, CLOCK)) {
            assertThat(forged.problems()).singleElement().asString().contains("does not carry this node's signature");
        }
    }

    @Test
    void eachEntryIsItsRecordsCanonicalBytesWhenManyCallsAppendAtOnceWhateverTheRecordsLength() throws Exception {
        List<UsageRecord> records = java.util.stream.IntStream.range(0, 400)
                .mapToObj(i -> Records.of("tenant-" + "t".repeat(i % 7 == 0 ? 3000 : i % 13), "call-" + i, T0 + i, 1, 128)).toList();
        try (Ledger ledger = Ledger.open(dir, key, CLOCK);
             var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var indices = pool.invokeAll(records.stream().<java.util.concurrent.Callable<Long>>map(r -> () -> ledger.append(r)).toList());
            for (int i = 0; i < records.size(); i++) {
                assertThat(ledger.leaf(indices.get(i).get())).as("entry of record %d", i).isEqualTo(records.get(i).canonical());
            }
        }
    }

    @Test
    void aClosedLedgerStillReadsWhatItHoldsAndTakesNoMore() {
        Ledger ledger = Ledger.open(dir, key, CLOCK);
        write(ledger, 0, 3);
        ledger.signHead();
        ledger.append(Records.of("alice", "unsigned", T0, 1, 128));
        ledger.close();
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> assertThatThrownBy(ledger::signHead)
                .as("a head asked of a closed ledger fails, and does not wait for its writer").isInstanceOf(java.io.UncheckedIOException.class));
        assertThat(UsageRecord.parse(ledger.leaf(2)).invocation()).isEqualTo("call-2");
        assertThat(ledger.inclusion(1, 3)).hasSize(2);
        assertThatThrownBy(() -> ledger.append(Records.of("alice", "late", T0, 1, 128))).hasMessageContaining("closed");
    }

    @Test
    void aLedgerTooLongToHashOnOneThreadProvesItsRecordsBeforeAndAfterReopening() {
        // more leaves than appends keep hashed for the tree (the rest read back from the file), and at reopening more than one
        // catch-up read back on every CPU: the root signed from hashes taken at append must be the root of the file's bytes
        int records = 70_000;
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, records);
            assertThat(ledger.signHead().orElseThrow().size()).isEqualTo(records);
            Verifier.Report report = verify(ledger, "bob", Optional.empty());
            assertThat(report.failures()).isEmpty();
            assertThat(report.records()).isEqualTo(records / 2);
        }
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.problems()).as("the tree hashed again at opening has the root signed before").isEmpty();
            assertThat(verify(reopened, "alice", Optional.empty()).failures()).isEmpty();
        }
    }

    @Test
    void recordsNotYetInTheFileWhenTheNodeWasKilledAreTakenFromItsJournal() throws IOException {
        Path crashed = Files.createTempDirectory("ledger-crashed");
        try {
            try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
                write(ledger, 0, 20);
                ledger.signHead();
                write(ledger, 20, 30);
                // a kill's state: the journal as it is; the file as the head left it (the writer may have moved more since)
                Files.copy(dir.resolve("entries.log.journal"), crashed.resolve("entries.log.journal"));
                Files.copy(dir.resolve("heads.log"), crashed.resolve("heads.log"));
                byte[] file = Files.readAllBytes(dir.resolve("entries.log"));
                int twenty = 0;
                for (int lines = 0; lines < 20; twenty++) {
                    lines += file[twenty] == '\n' ? 1 : 0;
                }
                Files.write(crashed.resolve("entries.log"), java.util.Arrays.copyOf(file, twenty));
            }
            try (Ledger reopened = Ledger.open(crashed, key, CLOCK)) {
                assertThat(reopened.problems()).isEmpty();
                assertThat(reopened.size()).as("the ten records after the head come back from the journal").isEqualTo(30);
                assertThat(reopened.records("bob", 0, Long.MAX_VALUE)).extracting(UsageRecord::invocation).contains("call-29");
                reopened.signHead();
                assertThat(verify(reopened, "alice", Optional.empty()).failures()).isEmpty();
            }
        } finally {
            try (var files = Files.walk(crashed)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void recordsWrittenWithTheirIdFirstAsBeforeAreReadProvedAndVerifiedBesideNewOnes() throws IOException {
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            UsageRecord r = Records.of(i % 2 == 0 ? "alice" : "bob", "old-" + i, T0 + i, 5, 128);
            before.add("{\"id\":\"" + r.id() + "\"," + new String(r.canonical(), StandardCharsets.US_ASCII).substring(1));
        }
        Files.write(dir.resolve("entries.log"), before, StandardCharsets.US_ASCII);
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            assertThat(ledger.problems()).isEmpty();
            ledger.signHead();
            write(ledger, 6, 12);
            ledger.signHead();
            assertThat(ledger.records("alice", 0, Long.MAX_VALUE)).extracting(UsageRecord::invocation)
                    .containsExactly("old-0", "old-2", "old-4", "call-6", "call-8", "call-10");
            assertThat(new String(ledger.leaf(0), StandardCharsets.US_ASCII)).as("kept as it was written").isEqualTo(before.get(0));
            Verifier.Report report = verify(ledger, "alice", Optional.empty());
            assertThat(report.failures()).isEmpty();
            assertThat(report.records()).isEqualTo(6);
        }
        try (var index = Files.walk(dir.resolve("index"))) {
            index.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        try (Ledger rebuilt = Ledger.open(dir, key, CLOCK)) {
            assertThat(rebuilt.problems()).as("the index rebuilt from both forms has the roots signed").isEmpty();
            assertThat(verify(rebuilt, "bob", Optional.empty()).records()).isEqualTo(6);
        }
    }

    @Test
    void aLedgerClosesWhileItsTreeCatchesUpOnAnotherThread() {
        // the node's hashing task runs every 250 ms, and a node may close at any moment of it
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 40; round++) {
                Ledger ledger = Ledger.open(dir.resolve("round-" + round), key, CLOCK);
                var hashing = Thread.ofPlatform().start(() -> {
                    while (ledger.size() < 1_000_000) {
                        try {
                            ledger.hash();
                        } catch (java.io.UncheckedIOException closed) {
                            return;
                        }
                        if (Thread.interrupted()) {
                            return;
                        }
                    }
                });
                write(ledger, 0, 200);
                ledger.close();
                hashing.interrupt();
                hashing.join();
                try (Ledger reopened = Ledger.open(dir.resolve("round-" + round), key, CLOCK)) {
                    assertThat(reopened.problems()).isEmpty();
                    assertThat(reopened.size()).isEqualTo(200);
                }
            }
        });
    }

    @Test
    void aLineTornByACrashIsDroppedAndTheLedgerGoesOn() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 3);
            ledger.signHead();
        }
        Files.writeString(dir.resolve("entries.log"), "{\"id\":\"invoc", java.nio.file.StandardOpenOption.APPEND);
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.problems()).isEmpty();
            assertThat(reopened.size()).isEqualTo(3);
            reopened.append(Records.of("alice", "after", T0, 1, 128));
            reopened.signHead();
        }
        try (Ledger again = Ledger.open(dir, key, CLOCK)) {
            assertThat(again.problems()).isEmpty();
            assertThat(again.records("alice", 0, Long.MAX_VALUE)).extracting(UsageRecord::invocation).contains("after");
        }
    }

    /** Records of alice (even) and bob (odd), call-{from} to call-{to - 1}. */
    @Test
    void aLedgerClosedCleanlyOpensWithItsKeptIndexAndGoesOn() throws InterruptedException {
        TreeHead first;
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            assertThat(ledger.openedKept()).as("a new ledger has no index to keep").isFalse();
            write(ledger, 0, 40);
            first = ledger.signHead().orElseThrow();
        }
        assertThat(dir.resolve("index/sealed")).exists();
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.openedKept()).isTrue();
            assertThat(dir.resolve("index/sealed")).as("taken as it opens: a crash from now on rebuilds").doesNotExist();
            reopened.awaitChecked();
            assertThat(reopened.problems()).isEmpty();
            assertThat(reopened.size()).isEqualTo(40);
            assertThat(reopened.records("alice", 0, Long.MAX_VALUE)).hasSize(20);
            write(reopened, 40, 45);
            reopened.append(Records.of("carol", "new-tenant", T0, 1, 128));
            TreeHead second = reopened.signHead().orElseThrow();
            assertThat(second.size()).isEqualTo(46);
            assertThat(verify(reopened, "alice", Optional.of(first)).failures()).as("the new head extends the one before").isEmpty();
            assertThat(verify(reopened, "carol", Optional.empty()).records()).isEqualTo(1);
        }
        try (Ledger again = Ledger.open(dir, key, CLOCK)) {
            assertThat(again.openedKept()).isTrue();
            again.awaitChecked();
            assertThat(again.problems()).isEmpty();
            assertThat(again.records("carol", 0, Long.MAX_VALUE)).singleElement().extracting(UsageRecord::invocation).isEqualTo("new-tenant");
            assertThat(again.records("bob", 0, Long.MAX_VALUE)).hasSize(22);
            assertThat(verify(again, "bob", Optional.empty()).failures()).isEmpty();
        }
    }

    @Test
    void anIndexNotSealedOrSealedForAnotherFileIsRebuilt() throws IOException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 10);
            ledger.signHead();
        }
        Path seal = dir.resolve("index/sealed");
        String sealed = Files.readString(seal);
        Files.delete(seal); // as a ledger killed before it closed leaves it
        try (Ledger rebuilt = Ledger.open(dir, key, CLOCK)) {
            assertThat(rebuilt.openedKept()).isFalse();
            assertThat(rebuilt.problems()).isEmpty();
            assertThat(rebuilt.size()).isEqualTo(10);
        }
        List<String> lines = new ArrayList<>(Files.readString(seal).lines().toList());
        lines.set(4, "00".repeat(32)); // another root
        Files.write(seal, lines);
        try (Ledger rebuilt = Ledger.open(dir, key, CLOCK)) {
            assertThat(rebuilt.openedKept()).isFalse();
            assertThat(rebuilt.problems()).isEmpty();
            assertThat(verify(rebuilt, "alice", Optional.empty()).failures()).isEmpty();
        }
        assertThat(sealed).startsWith("skyfn-ledger-index 1\n10\n");
        replaceInEntries("\"invocation\":\"call-2\"", "\"billedMs\":5,", "\"billedMs\":7,");
        try (Ledger rebuilt = Ledger.open(dir, key, CLOCK)) {
            assertThat(rebuilt.openedKept()).as("entries.log written since it closed").isFalse();
            assertThat(rebuilt.problems()).singleElement().asString().contains("no longer have the root signed");
        }
    }

    @Test
    void anEntryChangedWhileClosedWithItsTimeKeptIsFoundByTheCheckAfterOpening() throws IOException, InterruptedException {
        try (Ledger ledger = Ledger.open(dir, key, CLOCK)) {
            write(ledger, 0, 10);
            ledger.signHead();
        }
        Path file = dir.resolve("entries.log");
        var modified = Files.getLastModifiedTime(file);
        replaceInEntries("\"invocation\":\"call-4\"", "\"billedMs\":5,", "\"billedMs\":9,");
        Files.setLastModifiedTime(file, modified);
        try (Ledger tampered = Ledger.open(dir, key, CLOCK)) {
            assertThat(tampered.openedKept()).isTrue();
            tampered.awaitChecked();
            assertThat(tampered.problems()).singleElement().asString()
                    .startsWith("entry 4 does not have the leaf hash kept for it at close");
            tampered.append(Records.of("alice", "after", T0, 1, 128));
            assertThat(tampered.signHead().orElseThrow().size()).as("no head over a damaged ledger").isEqualTo(10);
            assertThatThrownBy(() -> tampered.records("bob", 0, Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class);
        }
        try (Ledger reopened = Ledger.open(dir, key, CLOCK)) {
            assertThat(reopened.openedKept()).as("a ledger with problems keeps no index").isFalse();
            assertThat(reopened.problems()).singleElement().asString().contains("no longer have the root signed");
        }
    }

    @Test
    void aKeptIndexChangedWhileClosedIsFoundByTheCheckAndRebuiltAtTheNextOpening() throws IOException, InterruptedException {
        for (String part : new String[] {"tenants", "level-01"}) {
            Path ledgerDir = dir.resolve(part);
            try (Ledger ledger = Ledger.open(ledgerDir, key, CLOCK)) {
                write(ledger, 0, 40);
                ledger.signHead();
            }
            try (var index = java.nio.channels.FileChannel.open(ledgerDir.resolve("index").resolve(part), java.nio.file.StandardOpenOption.WRITE)) {
                // entry 0 numbered as bob's; or the first node above the leaves garbled (not on the root's path for 40 entries)
                index.write(java.nio.ByteBuffer.wrap(part.equals("tenants") ? new byte[] {1, 0, 0, 0} : new byte[] {42}), 0);
            }
            try (Ledger damaged = Ledger.open(ledgerDir, key, CLOCK)) {
                assertThat(damaged.openedKept()).as(part).isTrue();
                damaged.awaitChecked();
                assertThat(damaged.problems()).as(part).singleElement().asString().contains("index/ changed while the ledger was closed");
            }
            try (Ledger rebuilt = Ledger.open(ledgerDir, key, CLOCK)) {
                assertThat(rebuilt.openedKept()).as(part).isFalse();
                assertThat(rebuilt.problems()).as(part).isEmpty();
                assertThat(rebuilt.records("alice", 0, Long.MAX_VALUE)).as(part).hasSize(20);
                assertThat(verify(rebuilt, "alice", Optional.empty()).failures()).as(part).isEmpty();
            }
        }
    }

    private static void write(Ledger ledger, int from, int to) {
        for (int i = from; i < to; i++) {
            ledger.append(Records.of(i % 2 == 0 ? "alice" : "bob", "call-" + i, T0 + i, 5, 128));
        }
    }

    private Verifier.Report verify(Ledger ledger, String tenant, Optional<TreeHead> pinned) {
        return verify(ledger, tenant, pinned, Map.of());
    }

    private Verifier.Report verify(Ledger ledger, String tenant, Optional<TreeHead> pinned, Map<Long, byte[]> known) {
        TreeHead head = ledger.latestHead().orElseThrow();
        return Verifier.verify(SigningKey.publicKey(ledger.publicKey()), tenant, ledger.heads(), pinned,
                ledger.entries(tenant, 0, Long.MAX_VALUE, head), proofs(ledger), known);
    }

    private static Verifier.Proofs proofs(Ledger ledger) {
        return new Verifier.Proofs() {
            @Override
            public List<byte[]> consistency(long first, long second) {
                return ledger.consistency(first, second);
            }

            @Override
            public List<byte[]> inclusion(long index, long size) {
                return ledger.inclusion(index, size);
            }
        };
    }

    private void replaceInEntries(String lineHolding, String from, String to) throws IOException {
        Path file = dir.resolve("entries.log");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lines.add(line.contains(lineHolding) ? line.replace(from, to) : line);
        }
        rewrite(file, lines);
    }

    /**
     * {@code file} written anew in place, its modification time a second on: a kernel whose file
     * times are coarse could otherwise give it the time of the ledger's last write.
     */
    private static void rewrite(Path file, List<String> lines) throws IOException {
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(file);
        Files.write(file, lines, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(before.toInstant().plusSeconds(1)));
    }

    private void dropEntry(String lineHolding) throws IOException {
        Path file = dir.resolve("entries.log");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.contains(lineHolding)).toList();
        rewrite(file, lines);
    }
}
