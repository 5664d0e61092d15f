package dev.skyfn.control.pkg;

import dev.skyfn.core.manifest.FunctionSpec;
import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.Signature;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * What a function's handler takes as its input, read from its class file's generic signature, as
 * the deployment checks it, never by loading the class. A gateway gives a handler of the whole
 * request the caller's method, query and headers through {@code :invoke} too, and checks the body
 * of an async call to a handler of JSON before it queues it, as the sandbox would on a sync call.
 */
public final class HandlerInput {

    /** The kinds of input a handler takes. */
    public enum Kind {
        /** {@code dev.skyfn.api.HttpRequest}, or a Cloud Functions {@code HttpFunction}: the whole request. */
        REQUEST,
        /** {@code String}, {@code byte[]} or {@code InputStream}: the body as it came. */
        BODY,
        /** Any other class: the body is JSON (an empty body is null). */
        JSON,
        /** A Lambda handler, a type variable, a class not in the jar: not known without loading it. */
        UNKNOWN
    }

    private static final String HTTP_REQUEST = "Ldev/skyfn/api/HttpRequest;";
    private static final Set<String> BODY = Set.of("Ljava/lang/String;", "Ljava/io/InputStream;");
    private static final String HANDLER = "dev/skyfn/api/Handler";
    private static final String FUNCTION = "java/util/function/Function";
    /**
     * The handler interfaces in the order the sandbox tries them (GrainWorker.load): a class that
     * implements two is run as the first.
     */
    private static final List<String> ORDER = List.of(HANDLER, "dev/skyfn/api/StreamHandler", FUNCTION,
            "com/amazonaws/services/lambda/runtime/RequestHandler", "com/amazonaws/services/lambda/runtime/RequestStreamHandler",
            "com/google/cloud/functions/HttpFunction");
    private static final int MAX_DEPTH = 16;

    private HandlerInput() {
    }

    /** What {@code fn}'s handler in {@code jar} takes; UNKNOWN for one that cannot be read. */
    public static Kind of(Path jar, FunctionSpec fn) {
        if (fn.handlerMethod().isPresent()) {
            return Kind.UNKNOWN; // a Lambda handler: Lambda's serialization decides
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return of(new HandlerCheck(zip), fn.handlerClass().replace('.', '/'));
        } catch (IOException | RuntimeException e) {
            return Kind.UNKNOWN;
        }
    }

    /**
     * The interfaces the class and its superclasses implement, nearest first, each with the
     * generic form the class declared it in (null when it declared none); UNKNOWN unless every
     * class up to {@code Object} is in the jar and none of the interfaces is one of the jar's own
     * (which may extend a handler interface: not followed here).
     */
    private static Kind of(HandlerCheck jar, String internal) {
        java.util.Map<String, Signature.ClassTypeSig> implemented = new java.util.LinkedHashMap<>();
        String at = internal;
        for (int depth = 0; !at.equals("java/lang/Object"); depth++) {
            ClassModel cls = depth > MAX_DEPTH ? null : jar.model(at);
            if (cls == null) {
                return Kind.UNKNOWN;
            }
            java.util.Map<String, Signature.ClassTypeSig> generic = new java.util.HashMap<>();
            cls.findAttribute(Attributes.signature()).ifPresent(sig -> sig.asClassSignature().superinterfaceSignatures()
                    .forEach(i -> generic.put(i.classDesc().descriptorString().replaceAll("^L|;$", ""), i)));
            for (var i : cls.interfaces()) {
                String name = i.asInternalName();
                if (jar.model(name) != null) {
                    return Kind.UNKNOWN;
                }
                implemented.putIfAbsent(name, generic.get(name));
            }
            if (cls.superclass().isEmpty()) {
                break;
            }
            at = cls.superclass().get().asInternalName();
        }
        String first = ORDER.stream().filter(implemented::containsKey).findFirst().orElse("");
        return switch (first) {
            case HANDLER, FUNCTION -> {
                Signature.ClassTypeSig declared = implemented.get(first);
                yield declared == null || declared.typeArgs().isEmpty() ? Kind.UNKNOWN : kind(declared.typeArgs().getFirst());
            }
            case "dev/skyfn/api/StreamHandler", "com/amazonaws/services/lambda/runtime/RequestStreamHandler" -> Kind.BODY;
            case "com/google/cloud/functions/HttpFunction" -> Kind.REQUEST;
            default -> Kind.UNKNOWN; // a Lambda RequestHandler (Lambda's serialization), Cloud Functions' events, or none
        };
    }

    /** The kind of a handler's first type argument, as the sandbox's codec decodes it. */
    private static Kind kind(Signature.TypeArg input) {
        if (!(input instanceof Signature.TypeArg.Bounded b)) {
            return Kind.UNKNOWN;
        }
        return switch (b.boundType()) {
            case Signature.ArrayTypeSig a when a.componentSignature() instanceof Signature.BaseTypeSig base && base.baseType() == 'B' ->
                    Kind.BODY;
            case Signature.ClassTypeSig t when t.classDesc().descriptorString().equals(HTTP_REQUEST) -> Kind.REQUEST;
            case Signature.ClassTypeSig t when BODY.contains(t.classDesc().descriptorString()) -> Kind.BODY;
            case Signature.ClassTypeSig t -> Kind.JSON;
            case Signature.ArrayTypeSig a -> Kind.JSON;
            default -> Kind.UNKNOWN; // a type variable: bound by a subclass, not read here
        };
    }
}
