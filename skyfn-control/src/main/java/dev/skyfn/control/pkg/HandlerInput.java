package dev.skyfn.control.pkg;

import dev.skyfn.core.manifest.FunctionSpec;
import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassSignature;
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
    private static final List<String> TYPED = List.of("dev/skyfn/api/Handler", "java/util/function/Function");
    private static final String HTTP_FUNCTION = "com/google/cloud/functions/HttpFunction";
    private static final int MAX_DEPTH = 16;

    private HandlerInput() {
    }

    /** What {@code fn}'s handler in {@code jar} takes; UNKNOWN for one that cannot be read. */
    public static Kind of(Path jar, FunctionSpec fn) {
        if (fn.handlerMethod().isPresent()) {
            return Kind.UNKNOWN; // a Lambda handler: Lambda's serialization decides
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return of(new HandlerCheck(zip), fn.handlerClass().replace('.', '/'), 0);
        } catch (IOException | RuntimeException e) {
            return Kind.UNKNOWN;
        }
    }

    private static Kind of(HandlerCheck jar, String internal, int depth) {
        ClassModel cls = depth > MAX_DEPTH ? null : jar.model(internal);
        if (cls == null) {
            return Kind.UNKNOWN;
        }
        if (cls.interfaces().stream().anyMatch(i -> i.asInternalName().equals(HTTP_FUNCTION))) {
            return Kind.REQUEST;
        }
        var signature = cls.findAttribute(Attributes.signature());
        if (signature.isPresent()) {
            ClassSignature s = signature.get().asClassSignature();
            for (Signature.ClassTypeSig i : s.superinterfaceSignatures()) {
                if (TYPED.contains(i.classDesc().descriptorString().replaceAll("^L|;$", "")) && !i.typeArgs().isEmpty()) {
                    return kind(i.typeArgs().getFirst());
                }
            }
        }
        return cls.superclass().isPresent() ? of(jar, cls.superclass().get().asInternalName(), depth + 1) : Kind.UNKNOWN;
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
