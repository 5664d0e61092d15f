package dev.skyfn.control.pkg;

import dev.skyfn.core.manifest.Manifest;

/** A package that passed inspection. */
public record AppPackage(Manifest manifest, String sha256, long sizeBytes) {
}
