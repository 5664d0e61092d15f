package dev.skyfn.core.wire;

import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;

/** What an invocation carries in and out. */
public sealed interface Payload {

    /** A body and its media type ({@code ""} when unknown). */
    record Body(String contentType, byte[] bytes) implements Payload {
    }

    /** A whole HTTP request, for functions called through their URL. */
    record Request(HttpRequest request) implements Payload {
    }

    /** A whole HTTP response returned by a function. */
    record Response(HttpResponse response) implements Payload {
    }

    /** No value. */
    record Empty() implements Payload {
    }

    Empty EMPTY = new Empty();

    /** The bytes of the body it carries: a body's, a request's or a response's; 0 for none. */
    default int bodyLength() {
        return switch (this) {
            case Body b -> b.bytes().length;
            case Request r -> r.request().body().length;
            case Response r -> r.response().body() == null ? 0 : r.response().body().length;
            case Empty e -> 0;
        };
    }

    static Body json(byte[] bytes) {
        return new Body("application/json", bytes);
    }
}
