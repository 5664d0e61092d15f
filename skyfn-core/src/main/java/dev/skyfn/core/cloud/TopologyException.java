package dev.skyfn.core.cloud;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;

/** A topology file that cannot be used, with the field that is wrong named in the message. */
public final class TopologyException extends SkyfnException {

    TopologyException(String message) {
        super(ErrorCode.BAD_REQUEST, "topology: " + message);
    }
}
