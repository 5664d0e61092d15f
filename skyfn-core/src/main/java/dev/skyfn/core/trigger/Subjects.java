package dev.skyfn.core.trigger;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Subjects a tenant publishes events to and subscribes functions to, written as NATS writes them:
 * tokens of letters, digits, {@code -} and {@code _} separated by dots ({@code orders.eu.created});
 * a subscription may use {@code *} for one token and {@code >} as its last token for one or more.
 * A tenant's subjects are its own: another tenant's {@code orders} is another subject.
 */
public final class Subjects {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");
    private static final int MAX_LENGTH = 256;
    private static final int MAX_TOKENS = 16;

    private Subjects() {
    }

    /** What is wrong with {@code subject} as a subject to publish to; empty when nothing is. */
    public static Optional<String> problem(String subject) {
        return problem(subject, false);
    }

    /** What is wrong with {@code pattern} as a subscription (wildcards allowed); empty when nothing is. */
    public static Optional<String> patternProblem(String pattern) {
        return problem(pattern, true);
    }

    private static Optional<String> problem(String subject, boolean wildcards) {
        if (subject == null || subject.isEmpty()) {
            return Optional.of("a subject is not empty");
        }
        if (subject.length() > MAX_LENGTH) {
            return Optional.of("a subject has at most " + MAX_LENGTH + " characters");
        }
        String[] tokens = subject.split("\\.", -1);
        if (tokens.length > MAX_TOKENS) {
            return Optional.of("a subject has at most " + MAX_TOKENS + " tokens");
        }
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (wildcards && (t.equals("*") || t.equals(">") && i == tokens.length - 1)) {
                continue;
            }
            if (!TOKEN.matcher(t).matches()) {
                return Optional.of("'" + subject + "' is not a subject: " + (t.isEmpty() ? "an empty token"
                        : "token '" + t + "'") + (wildcards ? " (tokens are letters, digits, '-' and '_', or the wildcards '*' and a last '>')"
                        : " (tokens are letters, digits, '-' and '_', separated by '.'; no wildcards)"));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code subject} is one {@code pattern} subscribes to. */
    public static boolean matches(String pattern, String subject) {
        String[] p = pattern.split("\\.", -1);
        String[] s = subject.split("\\.", -1);
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals(">")) {
                return s.length > i;
            }
            if (i >= s.length || !p[i].equals("*") && !p[i].equals(s[i])) {
                return false;
            }
        }
        return p.length == s.length;
    }
}
