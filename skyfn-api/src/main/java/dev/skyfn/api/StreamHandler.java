package dev.skyfn.api;

import java.io.InputStream;
import java.io.OutputStream;

/** A function that reads its request and writes its result as raw bytes. */
@FunctionalInterface
public interface StreamHandler {

    void handle(InputStream input, OutputStream output, Context ctx) throws Exception;
}
