package dev.skyfn.core;

import java.util.regex.Pattern;

/** The shapes of names that appear in URLs: tenants, apps, functions. */
public final class Names {

    private static final Pattern APP = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern FUNCTION = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,62}");

    private Names() {
    }

    /** Tenants and apps: lower case letters, digits and dashes, starting with a letter, at most 63. */
    public static boolean isAppName(String name) {
        return name != null && APP.matcher(name).matches();
    }

    public static boolean isTenantName(String name) {
        return isAppName(name);
    }

    /** Functions: letters, digits, dashes and underscores, starting with a letter, at most 63. */
    public static boolean isFunctionName(String name) {
        return name != null && FUNCTION.matcher(name).matches();
    }
}
