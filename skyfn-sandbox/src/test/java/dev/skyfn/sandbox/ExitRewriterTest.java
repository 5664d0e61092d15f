package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.sandbox.fixtures.Exits;
import dev.skyfn.sandbox.guard.ExitAttempt;
import java.io.InputStream;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ExitRewriterTest {

    /** Defines the fixture again from rewritten bytes, as the app class loader would. */
    @SuppressWarnings("unchecked")
    private static Function<String, String> rewrittenExits() throws Exception {
        byte[] bytes;
        try (InputStream in = Exits.class.getResourceAsStream("Exits.class")) {
            bytes = in.readAllBytes();
        }
        byte[] rewritten = new ExitRewriter(ExitRewriterTest.class.getClassLoader()).rewrite(bytes);
        assertThat(rewritten).isNotEqualTo(bytes);
        ClassLoader loader = new ClassLoader(ExitRewriterTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Exits.class.getName())) {
                    return defineClass(name, rewritten, 0, rewritten.length);
                }
                return super.loadClass(name, resolve);
            }
        };
        return (Function<String, String>) loader.loadClass(Exits.class.getName()).getConstructor().newInstance();
    }

    @Test
    void turnsEveryWayOfEndingTheProcessIntoAnExitAttempt() throws Exception {
        Function<String, String> exits = rewrittenExits();
        assertThatThrownBy(() -> exits.apply("system")).isInstanceOf(ExitAttempt.class).hasMessageContaining("System.exit(3)");
        assertThatThrownBy(() -> exits.apply("runtime")).isInstanceOf(ExitAttempt.class).hasMessageContaining("Runtime.exit(4)");
        assertThatThrownBy(() -> exits.apply("halt")).isInstanceOf(ExitAttempt.class).hasMessageContaining("Runtime.halt(5)");
        assertThat(exits.apply("no")).isEqualTo("still here");
    }

    @Test
    void leavesClassesThatDoNotExitUntouched() throws Exception {
        byte[] bytes;
        try (InputStream in = ExitRewriterTest.class.getResourceAsStream("fixtures/Handlers$Price.class")) {
            bytes = in.readAllBytes();
        }
        assertThat(new ExitRewriter(getClass().getClassLoader()).rewrite(bytes)).isSameAs(bytes);
    }
}
