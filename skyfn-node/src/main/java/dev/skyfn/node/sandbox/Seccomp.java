package dev.skyfn.node.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The seccomp filter a confined sandbox runs under: a classic BPF program (seccomp(2),
 * {@code SECCOMP_RET_ERRNO}) that answers {@code EPERM} to the system calls a JVM never needs and
 * kernel exploits often start from — new namespaces, kernel keyrings, eBPF, perf events,
 * userfaultfd, io_uring, kernel modules, mounts, reboots, clocks, other processes' memory — and
 * to every call of the x32 ABI; everything else is allowed. A process of another architecture is
 * killed. Bubblewrap loads it ({@code --seccomp FD}) as the last step before it starts the JVM.
 *
 * <p>Only x86-64 is covered: elsewhere {@link #filter()} is empty and the sandbox runs without one.
 */
final class Seccomp {

    /** x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) of what a sandbox may not do. */
    static final Map<String, Integer> DENIED = denied();

    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int X32_SYSCALL_BIT = 0x40000000;
    private static final int EPERM = 1;

    // classic BPF opcodes (linux/filter.h, linux/seccomp.h)
    private static final short LD_W_ABS = 0x20;
    private static final short JEQ_K = 0x15;
    private static final short JGE_K = 0x35;
    private static final short RET_K = 0x06;
    private static final int RET_KILL_PROCESS = 0x80000000;
    private static final int RET_ERRNO = 0x00050000;
    private static final int RET_ALLOW = 0x7FFF0000;
    /** Offsets in struct seccomp_data. */
    private static final int NR = 0;
    private static final int ARCH = 4;

    private Seccomp() {
    }

    private static Map<String, Integer> denied() {
        Map<String, Integer> m = new TreeMap<>();
        m.put("ptrace", 101);
        m.put("syslog", 103);
        m.put("uselib", 134);
        m.put("personality", 135);
        m.put("vhangup", 153);
        m.put("pivot_root", 155);
        m.put("_sysctl", 156);
        m.put("adjtimex", 159);
        m.put("acct", 163);
        m.put("settimeofday", 164);
        m.put("mount", 165);
        m.put("umount2", 166);
        m.put("swapon", 167);
        m.put("swapoff", 168);
        m.put("reboot", 169);
        m.put("sethostname", 170);
        m.put("setdomainname", 171);
        m.put("iopl", 172);
        m.put("ioperm", 173);
        m.put("create_module", 174);
        m.put("init_module", 175);
        m.put("delete_module", 176);
        m.put("quotactl", 179);
        m.put("lookup_dcookie", 212);
        m.put("clock_settime", 227);
        m.put("kexec_load", 246);
        m.put("add_key", 248);
        m.put("request_key", 249);
        m.put("keyctl", 250);
        m.put("unshare", 272);
        m.put("move_pages", 279);
        m.put("perf_event_open", 298);
        m.put("fanotify_init", 300);
        m.put("name_to_handle_at", 303);
        m.put("open_by_handle_at", 304);
        m.put("clock_adjtime", 305);
        m.put("setns", 308);
        m.put("process_vm_readv", 310);
        m.put("process_vm_writev", 311);
        m.put("kcmp", 312);
        m.put("finit_module", 313);
        m.put("kexec_file_load", 320);
        m.put("bpf", 321);
        m.put("userfaultfd", 323);
        m.put("io_uring_setup", 425);
        m.put("io_uring_enter", 426);
        m.put("io_uring_register", 427);
        m.put("open_tree", 428);
        m.put("move_mount", 429);
        m.put("fsopen", 430);
        m.put("fsconfig", 431);
        m.put("fsmount", 432);
        m.put("fspick", 433);
        return m;
    }

    /** Whether this JVM's architecture has a filter. */
    static boolean supported() {
        return System.getProperty("os.arch").equals("amd64");
    }

    /** The filter as {@code struct sock_filter} records in native byte order: what {@code --seccomp} reads; empty where not supported. */
    static byte[] filter() {
        if (!supported()) {
            return new byte[0];
        }
        List<Integer> numbers = List.copyOf(DENIED.values());
        // 0-3: check the architecture, load the number; 4: x32; then one test per number; then ALLOW, then ERRNO
        int deny = 5 + numbers.size() + 1;
        ByteBuffer b = ByteBuffer.allocate(8 * (deny + 1)).order(ByteOrder.nativeOrder());
        int at = 0;
        at = put(b, at, LD_W_ABS, 0, 0, ARCH);
        at = put(b, at, JEQ_K, 1, 0, AUDIT_ARCH_X86_64);
        at = put(b, at, RET_K, 0, 0, RET_KILL_PROCESS);
        at = put(b, at, LD_W_ABS, 0, 0, NR);
        // x32 calls (the same numbers with bit 30 set) would slip past the list
        at = put(b, at, JGE_K, jump(at, deny), 0, X32_SYSCALL_BIT);
        for (int nr : numbers) {
            at = put(b, at, JEQ_K, jump(at, deny), 0, nr);
        }
        at = put(b, at, RET_K, 0, 0, RET_ALLOW);
        put(b, at, RET_K, 0, 0, RET_ERRNO | EPERM);
        return b.array();
    }

    /** The jump offset from instruction {@code at} to instruction {@code target}. */
    private static int jump(int at, int target) {
        return target - at - 1;
    }

    private static int put(ByteBuffer b, int at, short code, int jt, int jf, int k) {
        if (jt > 255 || jf > 255) {
            throw new IllegalStateException("a jump of " + Math.max(jt, jf) + " instructions does not fit classic BPF");
        }
        b.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
        return at + 1;
    }
}
