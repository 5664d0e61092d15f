package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.sandbox.counted.Counted;
import dev.skyfn.sandbox.guard.Work;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BlockCounterTest {

    private static Class<?> counted;
    private static Object instance;

    @BeforeAll
    static void instrument() throws Exception {
        WorkCounter.install();
        String resource = Counted.class.getName().replace('.', '/') + ".class";
        byte[] original;
        try (InputStream in = BlockCounterTest.class.getClassLoader().getResourceAsStream(resource)) {
            original = in.readAllBytes();
        }
        byte[] rewritten = new BlockCounter(BlockCounterTest.class.getClassLoader()).instrument(original);
        ClassLoader loader = new ClassLoader(BlockCounterTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Counted.class.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, rewritten, 0, rewritten.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        counted = loader.loadClass(Counted.class.getName());
        instance = counted.getConstructor(int.class).newInstance(3);
    }

    @Test
    void aLoopCountsABlockPerTurnAndTheResultIsUnchanged() throws Exception {
        assertThat(call("loop", 10)).isEqualTo(new Counted(3).loop(10));
        long none = blocks(() -> call("loop", 0));
        long ten = blocks(() -> call("loop", 10));
        long twenty = blocks(() -> call("loop", 20));
        assertThat(none).isPositive();
        assertThat(twenty - ten).as("each turn of the loop adds the same blocks").isEqualTo(ten - none).isPositive();
    }

    @Test
    void switchesExceptionsAndConstructorsAreCountedAndBehaveAsBefore() throws Exception {
        for (int n = 0; n < 5; n++) {
            assertThat(call("kind", n)).isEqualTo(new Counted(3).kind(n));
        }
        assertThat(blocks(() -> call("kind", 2))).isPositive();
        assertThat(call("caught", "41")).isEqualTo(41);
        assertThat(call("caught", "x")).isEqualTo(-1);
        assertThat(blocks(() -> call("caught", "x"))).as("the handler's block too").isGreaterThan(blocks(() -> call("caught", "1")));
        assertThat(blocks(() -> counted.getConstructor(int.class).newInstance(0))).isPositive();
        var counter = WorkCounter.begin();
        assertThatThrownBy(() -> call("fails")).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(WorkCounter.end(counter)).as("a method that throws adds its blocks").isPositive();
    }

    @Test
    void nothingIsCountedOutsideACallAndNoAppTakesTheCountsOrLowersThem() throws Exception {
        call("loop", 100); // no counter on this thread: nothing to count into, nothing breaks
        var counter = WorkCounter.begin();
        Work.add(-1_000);
        Work.add(0);
        assertThat(WorkCounter.end(counter)).isZero();
        assertThatThrownBy(() -> Work.sinkTo(blocks -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMethodTooLargeOnceCountedIsRefusedNamingItsClassNotLoadedUncounted() {
        byte[] huge = java.lang.classfile.ClassFile.of().build(java.lang.constant.ClassDesc.of("app.Huge"), c -> c.withMethodBody("branches",
                java.lang.constant.MethodTypeDesc.ofDescriptor("(I)V"), java.lang.classfile.ClassFile.ACC_PUBLIC | java.lang.classfile.ClassFile.ACC_STATIC,
                code -> {
                    for (int i = 0; i < 10_000; i++) { // 40,000 bytes of code: within the limit as written
                        var next = code.newLabel();
                        code.iload(0);
                        code.ifeq(next);
                        code.labelBinding(next);
                    }
                    code.return_();
                }));
        assertThatThrownBy(() -> new BlockCounter(BlockCounterTest.class.getClassLoader()).instrument(huge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("app.Huge cannot count its basic blocks")
                .hasMessageContaining("needs every method to stay under 64 KiB of code once counted");
    }

    private static long blocks(Callable<?> work) throws Exception {
        var counter = WorkCounter.begin();
        try {
            work.call();
        } finally {
            WorkCounter.end(counter);
        }
        return counter.get();
    }

    private static Object call(String name, Object... args) throws Exception {
        for (Method m : counted.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(instance, args);
                } catch (InvocationTargetException e) {
                    throw new RuntimeException(e.getCause());
                }
            }
        }
        throw new NoSuchMethodException(name);
    }
}
