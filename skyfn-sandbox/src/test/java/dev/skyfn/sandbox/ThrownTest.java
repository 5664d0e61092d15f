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

    @Test
    void aStackTraceThatCannotBePrintedSaysSo() {
        assertThat(Thrown.stackTrace(new IllegalStateException("boom"))).startsWith("java.lang.IllegalStateException: boom\n\tat ");
        assertThat(Thrown.stackTrace(new Unreadable()))
                .isEqualTo(Unreadable.class.getName() + " (its stack trace could not be printed: java.lang.IllegalStateException)");
    }
}
