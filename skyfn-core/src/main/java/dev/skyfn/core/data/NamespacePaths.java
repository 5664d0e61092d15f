package dev.skyfn.core.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The shape of namespace paths and leases, the same for every {@link Namespaces}. */
public final class NamespacePaths {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final int MAX_DEPTH = 16;

    private NamespacePaths() {
    }

    /** The parts of a path like {@code /job-42/map}, or INVALID_INPUT. */
    public static List<String> segments(String path) {
        if (path == null || !path.startsWith("/") || path.length() == 1) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a namespace path looks like /job-42/map, not '" + path + "'");
        }
        List<String> segments = new ArrayList<>();
        for (String s : path.substring(1).split("/", -1)) {
            if (!SEGMENT.matcher(s).matches() || s.equals(".") || s.equals("..")) {
                throw new SkyfnException(ErrorCode.INVALID_INPUT, "'" + path
                        + "': each part of a namespace path is 1 to 128 letters, digits, '.', '_' or '-' (not . or ..)");
            }
            segments.add(s);
        }
        if (segments.size() > MAX_DEPTH) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "namespaces nest at most " + MAX_DEPTH + " deep");
        }
        return segments;
    }

    /** The path of each namespace from the top down to {@code path}'s own: /a, /a/b, /a/b/c. */
    public static List<String> prefixes(String path) {
        List<String> out = new ArrayList<>();
        String at = "";
        for (String s : segments(path)) {
            at = at + "/" + s;
            out.add(at);
        }
        return out;
    }

    public static String join(String parent, String segment) {
        return parent.equals("/") ? "/" + segment : parent + "/" + segment;
    }

    /** A lease, checked: more than zero, at most {@link Namespaces#MAX_LEASE}. */
    public static Duration checkLease(Duration lease) {
        if (lease.isNegative() || lease.isZero() || lease.compareTo(Namespaces.MAX_LEASE) > 0) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a lease is more than 0 and at most " + Namespaces.MAX_LEASE.toHours() + " h");
        }
        return lease;
    }
}
