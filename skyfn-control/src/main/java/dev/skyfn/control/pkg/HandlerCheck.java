package dev.skyfn.control.pkg;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.manifest.FunctionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks each handler's shape from its class file: public, concrete, a public no-argument
 * constructor, and one of the handler interfaces somewhere among its supertypes (in the jar, the
 * JDK, or one of the handler interfaces the sandbox provides) — or, for {@code Class::method} as
 * AWS Lambda writes it, a public method of that name.
 */
final class HandlerCheck {

    private static final Set<String> HANDLER_TYPES = Set.of(
            "dev/skyfn/api/Handler", "dev/skyfn/api/StreamHandler", "java/util/function/Function",
            "com/amazonaws/services/lambda/runtime/RequestHandler", "com/amazonaws/services/lambda/runtime/RequestStreamHandler",
            "com/google/cloud/functions/HttpFunction", "com/google/cloud/functions/CloudEventsFunction",
            "com/google/cloud/functions/BackgroundFunction", "com/google/cloud/functions/RawBackgroundFunction");
    private static final int MAX_DEPTH = 64;
    /** The class file version of Java 25, the newest the sandbox runs. */
    private static final int JAVA_25 = 69;
    /** Larger than any class a JVM would load; a class entry that inflates past it is refused before it fills the heap. */
    private static final int MAX_CLASS_BYTES = 16 << 20;

    private final ZipFile jar;

    HandlerCheck(ZipFile jar) {
        this.jar = jar;
    }

    void check(FunctionSpec fn) {
        String internal = fn.handlerClass().replace('.', '/');
        ClassModel cls = model(internal);
        if (cls == null) {
            throw new SkyfnException(ErrorCode.HANDLER_NOT_FOUND, "function " + fn.name() + ": handler class "
                    + fn.handlerClass() + " is not in the jar (looked for " + internal + ".class)");
        }
        if (fn.handlerMethod().isPresent()) {
            checkMethod(fn, cls, fn.handlerMethod().get());
            return;
        }
        Set<AccessFlag> flags = cls.flags().flags();
        if (!flags.contains(AccessFlag.PUBLIC) || flags.contains(AccessFlag.ABSTRACT) || flags.contains(AccessFlag.INTERFACE)) {
            throw invalid(fn, fn.handler() + " must be a public, non-abstract class");
        }
        if (!hasPublicNoArgConstructor(cls)) {
            throw invalid(fn, fn.handler() + " needs a public constructor without parameters");
        }
        List<String> unresolved = new ArrayList<>();
        if (!isHandler(internal, 0, unresolved)) {
            throw invalid(fn, fn.handler() + " implements none of the handler interfaces: dev.skyfn.api.Handler,"
                    + " dev.skyfn.api.StreamHandler, java.util.function.Function, AWS Lambda's RequestHandler or"
                    + " RequestStreamHandler, Google Cloud Functions' HttpFunction, CloudEventsFunction, BackgroundFunction or"
                    + " RawBackgroundFunction"
                    + (unresolved.isEmpty() ? "" : " (not in the jar, so not checked: " + String.join(", ", unresolved) + ")"));
        }
    }

    /**
     * A {@code Class::method} handler, as AWS Lambda takes one: a public method of that name in the
     * class or a superclass in the jar, of at most three parameters ({@code (input[, Context])} or
     * {@code (InputStream, OutputStream[, Context])}); an instance method needs a public, concrete
     * class with a public constructor without parameters.
     */
    private void checkMethod(FunctionSpec fn, ClassModel cls, String method) {
        if (!cls.flags().has(AccessFlag.PUBLIC) || cls.flags().has(AccessFlag.INTERFACE)) {
            throw invalid(fn, fn.handlerClass() + " must be a public class");
        }
        boolean any = false;
        boolean instance = true;
        for (ClassModel c = cls; c != null && !any; c = c.superclass().map(e -> model(e.asInternalName())).orElse(null)) {
            for (MethodModel m : c.methods()) {
                if (m.methodName().equalsString(method) && m.flags().has(AccessFlag.PUBLIC) && !m.flags().has(AccessFlag.SYNTHETIC)
                        && m.methodTypeSymbol().parameterCount() <= 3) {
                    any = true;
                    instance &= !m.flags().has(AccessFlag.STATIC);
                }
            }
        }
        if (!any) {
            throw invalid(fn, fn.handlerClass() + " has no public method " + method
                    + " taking (input[, Context]) or (InputStream, OutputStream[, Context])");
        }
        if (instance && (cls.flags().has(AccessFlag.ABSTRACT) || !hasPublicNoArgConstructor(cls))) {
            throw invalid(fn, fn.handlerClass() + " must be concrete with a public constructor without parameters: "
                    + method + " is an instance method");
        }
    }

    private boolean isHandler(String internal, int depth, List<String> unresolved) {
        if (HANDLER_TYPES.contains(internal)) {
            return true;
        }
        if (depth > MAX_DEPTH || internal.equals("java/lang/Object")) {
            return false;
        }
        ClassModel cls = model(internal);
        if (cls == null) {
            return jdkFunction(internal, unresolved);
        }
        List<String> supers = new ArrayList<>();
        cls.superclass().map(ClassEntry::asInternalName).ifPresent(supers::add);
        cls.interfaces().forEach(i -> supers.add(i.asInternalName()));
        for (String s : supers) {
            if (isHandler(s, depth + 1, unresolved)) {
                return true;
            }
        }
        return false;
    }

    /** A supertype outside the jar: only the JDK may provide it, and only Function among the handler types. */
    private static boolean jdkFunction(String internal, List<String> unresolved) {
        try {
            Class<?> type = Class.forName(internal.replace('/', '.'), false, ClassLoader.getPlatformClassLoader());
            return java.util.function.Function.class.isAssignableFrom(type);
        } catch (ClassNotFoundException e) {
            unresolved.add(internal.replace('/', '.'));
            return false;
        }
    }

    private static boolean hasPublicNoArgConstructor(ClassModel cls) {
        for (MethodModel m : cls.methods()) {
            if (m.methodName().equalsString("<init>") && m.methodType().equalsString("()V")
                    && m.flags().has(AccessFlag.PUBLIC)) {
                return true;
            }
        }
        return false;
    }

    /** The class {@code internal} of the jar, parsed; null when the jar has none. */
    ClassModel model(String internal) {
        ZipEntry entry = jar.getEntry(internal + ".class");
        if (entry == null) {
            return null;
        }
        try (InputStream in = jar.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(MAX_CLASS_BYTES + 1);
            if (bytes.length > MAX_CLASS_BYTES) {
                throw new SkyfnException(ErrorCode.PACKAGE_INVALID, internal + ".class is larger than " + (MAX_CLASS_BYTES >> 20)
                        + " MiB: not a class file a JVM would load");
            }
            int major = bytes.length < 8 ? 0 : (bytes[6] & 0xff) << 8 | bytes[7] & 0xff;
            if (major > JAVA_25) {
                throw new SkyfnException(ErrorCode.HANDLER_INVALID, internal.replace('/', '.') + " is compiled for Java " + (major - 44)
                        + " (class file version " + major + "); apps run on Java 25: compile with --release 25 or lower");
            }
            return ClassFile.of().parse(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.PACKAGE_INVALID, internal + ".class is not a valid class file: " + e.getMessage());
        }
    }

    private static SkyfnException invalid(FunctionSpec fn, String why) {
        return new SkyfnException(ErrorCode.HANDLER_INVALID, "function " + fn.name() + ": " + why);
    }
}
