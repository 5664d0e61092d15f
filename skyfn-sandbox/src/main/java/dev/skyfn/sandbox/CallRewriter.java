package dev.skyfn.sandbox;

import dev.skyfn.sandbox.guard.Environment;
import dev.skyfn.sandbox.guard.Guard;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites an app class's calls that a shared sandbox must answer itself, as it loads the class:
 * {@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt} become calls to {@link Guard}
 * (the JDK no longer has a security manager to refuse them, and one function must not end the
 * process other invocations share); {@code System.getenv} becomes a call to {@link Environment},
 * which answers with the variables of the caller's app and function rather than the process's
 * (the sandbox was started before it knew them, and may host several apps).
 */
final class CallRewriter {

    private static final ClassDesc GUARD = ClassDesc.of(Guard.class.getName());
    private static final ClassDesc ENVIRONMENT = ClassDesc.of(Environment.class.getName());
    private static final ClassDesc SYSTEM = ClassDesc.of("java.lang.System");
    private static final ClassDesc RUNTIME = ClassDesc.of("java.lang.Runtime");
    private static final MethodTypeDesc STATIC_EXIT = MethodTypeDesc.ofDescriptor("(I)V");
    private static final MethodTypeDesc RUNTIME_EXIT = MethodTypeDesc.ofDescriptor("(Ljava/lang/Runtime;I)V");
    private static final MethodTypeDesc GETENV_NAME = MethodTypeDesc.ofDescriptor("(Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/String;");
    private static final MethodTypeDesc GETENV_ALL = MethodTypeDesc.ofDescriptor("(Ljava/lang/Class;)Ljava/util/Map;");
    private static final byte[][] NAMES = {bytes("exit"), bytes("halt"), bytes("getenv")};
    /** The first class file version whose {@code ldc} takes a class (Java 5). */
    private static final int LDC_CLASS_VERSION = 49;

    private final ClassFile classFile;

    /** {@code hierarchy} resolves the app's own classes, which stack maps may need. */
    CallRewriter(ClassLoader hierarchy) {
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofResourceParsing(hierarchy)
                        .orElse(ClassHierarchyResolver.defaultResolver()).cached()));
    }

    byte[] rewrite(byte[] bytes) {
        // almost no class makes these calls: skip parsing those whose constant pool cannot name them
        if (!namesAny(bytes)) {
            return bytes;
        }
        ClassModel model = classFile.parse(bytes);
        if (!callsAny(model)) {
            return bytes;
        }
        // the caller's class says whose variables getenv reads; a class too old to load its own class constant says nothing
        ClassDesc self = model.majorVersion() >= LDC_CLASS_VERSION ? model.thisClass().asSymbol() : null;
        return classFile.transformClass(model, ClassTransform.transformingMethodBodies(rewriting(self)));
    }

    private static boolean callsAny(ClassModel model) {
        for (MethodModel m : model.methods()) {
            var code = m.code();
            if (code.isPresent()) {
                for (CodeElement e : code.get()) {
                    if (e instanceof InvokeInstruction i && target(i) != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static CodeTransform rewriting(ClassDesc self) {
        return (builder, element) -> {
            Target target = element instanceof InvokeInstruction i ? target(i) : null;
            if (target == null) {
                builder.with(element);
                return;
            }
            if (target.passesCaller()) {
                if (self != null) {
                    builder.ldc(self);
                } else {
                    builder.aconst_null();
                }
            }
            builder.invokestatic(target.owner(), target.name(), target.type());
        };
    }

    /** The call replacing {@code i}, or null when it is left as it is. */
    private static Target target(InvokeInstruction i) {
        String name = i.name().stringValue();
        String type = i.type().stringValue();
        ClassDesc owner = i.owner().asSymbol();
        if (owner.equals(SYSTEM) && name.equals("exit") && type.equals("(I)V")) {
            return new Target(GUARD, "exit", STATIC_EXIT, false);
        }
        if (owner.equals(RUNTIME) && (name.equals("exit") || name.equals("halt")) && type.equals("(I)V")) {
            return new Target(GUARD, name, RUNTIME_EXIT, false);
        }
        if (owner.equals(SYSTEM) && name.equals("getenv")) {
            return switch (type) {
                case "(Ljava/lang/String;)Ljava/lang/String;" -> new Target(ENVIRONMENT, "getenv", GETENV_NAME, true);
                case "()Ljava/util/Map;" -> new Target(ENVIRONMENT, "getenv", GETENV_ALL, true);
                default -> null;
            };
        }
        return null;
    }

    /** A static method taking the original's arguments, then the calling class when {@code passesCaller}. */
    private record Target(ClassDesc owner, String name, MethodTypeDesc type, boolean passesCaller) {
    }

    private static boolean namesAny(byte[] bytes) {
        for (byte[] name : NAMES) {
            if (indexOf(bytes, name) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
