package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filter, read back instruction by instruction and run as the kernel would on one system call. */
class SeccompTest {

    private record Insn(int code, int jt, int jf, int k) {
    }

    @ParameterizedTest(name = "arch {0}, call {1} -> {2}")
    @CsvSource({
            "0xC000003E, 272, EPERM",      // unshare
            "0xC000003E, 321, EPERM",      // bpf
            "0xC000003E, 425, EPERM",      // io_uring_setup
            "0xC000003E, 250, EPERM",      // keyctl
            "0xC000003E, 101, EPERM",      // ptrace
            "0xC000003E, 0x40000000, EPERM", // x32 read
            "0xC000003E, 0, ALLOW",        // read
            "0xC000003E, 56, ALLOW",       // clone: threads and processes
            "0xC000003E, 435, ALLOW",      // clone3
            "0xC000003E, 59, ALLOW",       // execve
            "0xC000003E, 202, ALLOW",      // futex
            "0x40000003, 0, KILL"})        // i386
    void answersEachCallAsTheTableSays(String arch, String nr, String expected) {
        assumeTrue(Seccomp.supported(), "the filter is for x86-64");
        assertThat(run((int) (long) Long.decode(arch), Integer.decode(nr))).isEqualTo(expected);
    }

    /** What the filter returns for a call, interpreted as the kernel's classic BPF machine would. */
    private static String run(int arch, int nr) {
        List<Insn> program = read(Seccomp.filter());
        int acc = 0;
        for (int pc = 0; pc < program.size(); pc++) {
            Insn i = program.get(pc);
            switch (i.code()) {
                case 0x20 -> acc = i.k() == 4 ? arch : i.k() == 0 ? nr : fail("load of offset " + i.k());
                case 0x15 -> pc += acc == i.k() ? i.jt() : i.jf();
                case 0x35 -> pc += Integer.compareUnsigned(acc, i.k()) >= 0 ? i.jt() : i.jf();
                case 0x06 -> {
                    return i.k() == 0x7FFF0000 ? "ALLOW" : i.k() == 0x80000000 ? "KILL" : i.k() == 0x00050001 ? "EPERM"
                            : "return " + Integer.toHexString(i.k());
                }
                default -> fail("opcode " + i.code());
            }
        }
        return "ran off the end";
    }

    private static List<Insn> read(byte[] filter) {
        assertThat(filter.length % 8).isZero();
        ByteBuffer b = ByteBuffer.wrap(filter).order(ByteOrder.nativeOrder());
        List<Insn> program = new ArrayList<>();
        while (b.hasRemaining()) {
            program.add(new Insn(b.getShort() & 0xFFFF, b.get() & 0xFF, b.get() & 0xFF, b.getInt()));
        }
        return program;
    }

    private static int fail(String what) {
        throw new AssertionError("unexpected " + what);
    }
}
