package dev.skyfn.control.pkg;

import dev.skyfn.core.manifest.FunctionSpec;
import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassSignature;
import java.lang.classfile.Signature;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * Whether a function's handler takes the whole HTTP request — skyfn's {@code Handler} or
 * {@code Function} of {@code dev.skyfn.api.HttpRequest}, or a Cloud Functions {@code
 * HttpFunction} — read from its class file's generic signature, as the deployment checks it,
 * never by loading the class: a gateway then gives such a function the caller's method, query
 * and headers through {@code :invoke} too, and other functions only the body it needs.
 */
public final class HttpRequestInput {

    private static final String HTTP_REQUEST = "dev/skyfn/api/HttpRequest";
    private static final List<String> TYPED = List.of("dev/skyfn/api/Handler", "java/util/function/Function");
    private static final String HTTP_FUNCTION = "com/google/cloud/functions/HttpFunction";
    private static final int MAX_DEPTH = 16;

    private HttpRequestInput() {
    }

    /** Whether {@code fn}'s handler in {@code jar} takes an {@code HttpRequest}; false for one that cannot be read. */
    public static boolean takes(Path jar, FunctionSpec fn) {
        if (fn.handlerMethod().isPresent()) {
            return false; // a Lambda handler: Lambda's input
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return takes(new HandlerCheck(zip), fn.handlerClass().replace('.', '/'), 0);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean takes(HandlerCheck jar, String internal, int depth) {
        ClassModel cls = depth > MAX_DEPTH ? null : jar.model(internal);
        if (cls == null) {
            return false;
        }
        if (cls.interfaces().stream().anyMatch(i -> i.asInternalName().equals(HTTP_FUNCTION))) {
            return true;
        }
        var signature = cls.findAttribute(Attributes.signature());
        if (signature.isPresent()) {
            ClassSignature s = signature.get().asClassSignature();
            for (Signature.ClassTypeSig i : s.superinterfaceSignatures()) {
                if (TYPED.contains(i.classDesc().descriptorString().replaceAll("^L|;$", "")) && !i.typeArgs().isEmpty()
                        && i.typeArgs().getFirst() instanceof Signature.TypeArg.Bounded b
                        && b.boundType() instanceof Signature.ClassTypeSig t && t.classDesc().descriptorString().equals("L" + HTTP_REQUEST + ";")) {
                    return true;
                }
            }
        }
        return cls.superclass().isPresent() && takes(jar, cls.superclass().get().asInternalName(), depth + 1);
    }
}
