package dev.skyfn.node.sandbox;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.google.cloud.functions.HttpFunction;
import dev.skyfn.api.Handler;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.sandbox.SandboxMain;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class path of the sandbox process: just the jars (or class directories, in a build) that hold
 * the sandbox runtime and what it uses, found from where this JVM loaded them. Nothing of the
 * node's own (the HTTP server, metrics) goes into a sandbox.
 */
final class SandboxClasspath {

    private static final List<Class<?>> ANCHORS = List.of(SandboxMain.class, Handler.class, WireCodec.class,
            ObjectMapper.class, JsonFactory.class, JsonProperty.class, JavaTimeModule.class, Jdk8Module.class,
            RequestHandler.class, HttpFunction.class,
            com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class,
            io.cloudevents.CloudEvent.class, io.cloudevents.core.builder.CloudEventBuilder.class, io.cloudevents.http.HttpMessageFactory.class,
            io.cloudevents.jackson.JsonFormat.class, org.apache.james.mime4j.parser.MimeStreamParser.class,
            org.apache.commons.io.IOUtils.class, com.jayway.jsonpath.JsonPath.class, org.slf4j.LoggerFactory.class,
            com.dashjoin.jsonata.Jsonata.class);

    private SandboxClasspath() {
    }

    static List<Path> detect() {
        Set<Path> entries = new LinkedHashSet<>();
        for (Class<?> anchor : ANCHORS) {
            try {
                entries.add(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot find where " + anchor.getName() + " was loaded from", e);
            }
        }
        return List.copyOf(entries);
    }
}
