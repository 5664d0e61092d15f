package dev.skyfn.core.manifest;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;

/** A manifest that cannot be used, with the field that is wrong named in the message. */
public final class ManifestException extends SkyfnException {

    ManifestException(String message) {
        super(ErrorCode.MANIFEST_INVALID, "skyfn.yaml: " + message);
    }
}
