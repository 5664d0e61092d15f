package dev.skyfn.control.pkg;

/**
 * What an uploaded package may be.
 *
 * @param maxPackageBytes  the jar itself
 * @param maxUnpackedBytes the sum of its entries' sizes, against zip bombs
 * @param maxEntries       entries in the jar
 */
public record PackageLimits(long maxPackageBytes, long maxUnpackedBytes, int maxEntries) {

    public static final PackageLimits DEFAULT = new PackageLimits(64L << 20, 512L << 20, 65_536);
}
