package dev.skyfn.sandbox.counted;

/** Code of every shape a block counter meets: loops, branches, switches, exceptions, a constructor. */
public class Counted {

    private final int base;

    public Counted(int base) {
        this.base = base > 0 ? base : 1;
    }

    public long loop(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += i * base;
        }
        return sum;
    }

    public String kind(int n) {
        return switch (n % 4) {
            case 0 -> "zero";
            case 1 -> "one";
            case 2 -> "two";
            default -> "many";
        };
    }

    public int caught(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public void fails() {
        throw new IllegalStateException("always");
    }
}
