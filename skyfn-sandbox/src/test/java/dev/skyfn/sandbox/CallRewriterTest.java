package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.sandbox.fixtures.Exits;
import dev.skyfn.sandbox.fixtures.Reads;
import dev.skyfn.sandbox.guard.Environment;
import dev.skyfn.sandbox.guard.ExitAttempt;
import java.io.InputStream;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CallRewriterTest {

    /** Defines the fixture again from rewritten bytes, as the app class loader would, with {@code env} as its app's variables. */
    @SuppressWarnings("unchecked")
    private static Function<String, String> rewritten(Class<?> fixture, Map<String, String> env) throws Exception {
        byte[] bytes;
        try (InputStream in = fixture.getResourceAsStream(fixture.getSimpleName() + ".class")) {
            bytes = in.readAllBytes();
        }
        byte[] rewritten = new CallRewriter(CallRewriterTest.class.getClassLoader()).rewrite(bytes);
        assertThat(rewritten).isNotEqualTo(bytes);
        var loader = new Rewritten(fixture.getName(), rewritten, env);
        return (Function<String, String>) loader.loadClass(fixture.getName()).getConstructor().newInstance();
    }

    private static final class Rewritten extends ClassLoader implements Environment.Source {
        private final String name;
        private final byte[] bytes;
        private final Map<String, String> env;

        Rewritten(String name, byte[] bytes, Map<String, String> env) {
            super(CallRewriterTest.class.getClassLoader());
            this.name = name;
            this.bytes = bytes;
            this.env = env;
        }

        @Override
        protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
            return n.equals(name) ? defineClass(n, bytes, 0, bytes.length) : super.loadClass(n, resolve);
        }

        @Override
        public Map<String, String> environment() {
            return env;
        }
    }

    @Test
    void turnsEveryWayOfEndingTheProcessIntoAnExitAttempt() throws Exception {
        Function<String, String> exits = rewritten(Exits.class, Map.of());
        assertThatThrownBy(() -> exits.apply("system")).isInstanceOf(ExitAttempt.class).hasMessageContaining("System.exit(3)");
        assertThatThrownBy(() -> exits.apply("runtime")).isInstanceOf(ExitAttempt.class).hasMessageContaining("Runtime.exit(4)");
        assertThatThrownBy(() -> exits.apply("halt")).isInstanceOf(ExitAttempt.class).hasMessageContaining("Runtime.halt(5)");
        assertThat(exits.apply("no")).isEqualTo("still here");
    }

    @Test
    void answersGetenvFromTheCallersAppAndNotTheProcess() throws Exception {
        var env = AppEnvironment.overProcess(Map.of("TABLE_NAME", "orders", "PATH", "/app/bin"));
        Function<String, String> reads = rewritten(Reads.class, env);
        assertThat(reads.apply("TABLE_NAME")).isEqualTo("orders|orders|true");
        assertThat(reads.apply("PATH")).isEqualTo("/app/bin|/app/bin|true");
        assertThat(reads.apply("NOT_SET")).isEqualTo("null|null|true");
        assertThat(new Reads().apply("TABLE_NAME")).as("the class as compiled reads the process").startsWith("null|null|");
        assertThatThrownBy(() -> reads.apply(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void leavesClassesThatMakeNoSuchCallUntouched() throws Exception {
        byte[] bytes;
        try (InputStream in = CallRewriterTest.class.getResourceAsStream("fixtures/Handlers$Price.class")) {
            bytes = in.readAllBytes();
        }
        assertThat(new CallRewriter(getClass().getClassLoader()).rewrite(bytes)).isSameAs(bytes);
    }
}
