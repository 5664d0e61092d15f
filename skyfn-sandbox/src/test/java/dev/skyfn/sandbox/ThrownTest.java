package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThrownTest {

    /** An exception whose every description throws. */
    static final class Unreadable extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message");
        }

        @Override
        public String toString() {
            throw new UnsupportedOperationException("no text");
        }

        @Override
        public synchronized Throwable getCause() {
            throw new IllegalStateException("no cause");
        }

        @Override
        public void printStackTrace(java.io.PrintWriter s) {
            throw new IllegalStateException("no trace");
        }
    }

    /** An exception whose cause is the one it was given later: two make a cycle. */
    static final class Looped extends RuntimeException {
        Throwable other;

        @Override
        public synchronized Throwable getCause() {
            return other;
        }
    }

    @Test
    void aMessageIsReadOrNamedAsUnreadable() {
        assertThat(Thrown.message(new IllegalStateException("boom"))).isEqualTo("boom");
        assertThat(Thrown.message(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
        assertThat(Thrown.message(new Unreadable()))
                .isEqualTo(Unreadable.class.getName() + " (its message could not be read: java.lang.IllegalStateException)");
    }

    @Test
    void aDescriptionIsItsTextOrItsClassAndMessage() {
        assertThat(Thrown.describe(new IllegalStateException("boom"))).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(Thrown.describe(new Unreadable())).isEqualTo(Unreadable.class.getName() + ": " + Unreadable.class.getName()
                + " (its message could not be read: java.lang.IllegalStateException)");
    }

    @Test
    void theRootCauseIsFoundInAChainAndACycleEnds() {
        var root = new IllegalArgumentException("root");
        assertThat(Thrown.root(new RuntimeException(new IllegalStateException(root)))).isSameAs(root);
        Looped a = new Looped();
        Looped b = new Looped();
        a.other = b;
        b.other = a;
        assertThat(Thrown.root(a)).isIn(a, b);
        Unreadable unreadable = new Unreadable();
        var wrapping = new RuntimeException("wraps it");
        wrapping.initCause(unreadable);
        assertThat(Thrown.root(wrapping)).as("where reading a cause fails").isSameAs(unreadable);
    }

    /** Each cause a new one: its own printStackTrace would never end. */
    static final class Endless extends RuntimeException {
        @Override
        public synchronized Throwable getCause() {
            return new Endless();
        }
    }

    @Test
    void aStackTraceIsWrittenWithItsCausesAndSaysWhatCannotBeRead() {
        var root = new IllegalArgumentException("root");
        String trace = Thrown.stackTrace(new IllegalStateException("boom", root));
        assertThat(trace).startsWith("java.lang.IllegalStateException: boom\n\tat dev.skyfn.sandbox.ThrownTest.")
                .contains("\nCaused by: java.lang.IllegalArgumentException: root\n\tat ");
        assertThat(Thrown.stackTrace(new Unreadable())).startsWith(Unreadable.class.getName() + ": " + Unreadable.class.getName()
                + " (its message could not be read: java.lang.IllegalStateException)\n\tat ");
        Looped a = new Looped();
        a.other = a;
        assertThat(Thrown.stackTrace(a)).as("a cause that is itself").doesNotContain("Caused by");
        Looped b = new Looped();
        Looped c = new Looped();
        b.other = c;
        c.other = b;
        assertThat(Thrown.stackTrace(b)).contains("[CIRCULAR REFERENCE: ");
        String endless = Thrown.stackTrace(new Endless());
        assertThat(endless).startsWith(Endless.class.getName()).hasSizeLessThanOrEqualTo(Thrown.TRACE_CHARS + 64);
    }

    @Test
    void aMessageOfMillionsOfCharactersIsCut() {
        String message = Thrown.message(new IllegalStateException("x".repeat(5_000_000)));
        assertThat(message).hasSize(Thrown.MESSAGE_CHARS + "… (3951424 more characters)".length()).endsWith("… (3951424 more characters)");
    }
}
