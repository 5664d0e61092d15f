package dev.skyfn.sandbox;

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
 * Rewrites an app class's calls to {@code System.exit}, {@code Runtime.exit} and
 * {@code Runtime.halt} into calls to {@link Guard}. The JDK no longer has a security manager to
 * refuse them, and one function must not end the process other invocations share.
 */
final class ExitRewriter {

    private static final ClassDesc GUARD = ClassDesc.of(Guard.class.getName());
    private static final ClassDesc SYSTEM = ClassDesc.of("java.lang.System");
    private static final ClassDesc RUNTIME = ClassDesc.of("java.lang.Runtime");
    private static final MethodTypeDesc STATIC_EXIT = MethodTypeDesc.ofDescriptor("(I)V");
    private static final MethodTypeDesc RUNTIME_EXIT = MethodTypeDesc.ofDescriptor("(Ljava/lang/Runtime;I)V");
    private static final byte[] EXIT = "exit".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HALT = "halt".getBytes(StandardCharsets.US_ASCII);

    private final ClassFile classFile;

    /** {@code hierarchy} resolves the app's own classes, which stack maps may need. */
    ExitRewriter(ClassLoader hierarchy) {
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofResourceParsing(hierarchy)
                        .orElse(ClassHierarchyResolver.defaultResolver()).cached()));
    }

    byte[] rewrite(byte[] bytes) {
        // almost no class calls exit: skip parsing those whose constant pool cannot name it
        if (indexOf(bytes, EXIT) < 0 && indexOf(bytes, HALT) < 0) {
            return bytes;
        }
        ClassModel model = classFile.parse(bytes);
        if (!callsExit(model)) {
            return bytes;
        }
        return classFile.transformClass(model, ClassTransform.transformingMethodBodies(toGuard()));
    }

    private static boolean callsExit(ClassModel model) {
        for (MethodModel m : model.methods()) {
            var code = m.code();
            if (code.isPresent()) {
                for (CodeElement e : code.get()) {
                    if (e instanceof InvokeInstruction i && guardFor(i) != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static CodeTransform toGuard() {
        return (builder, element) -> {
            Target target = element instanceof InvokeInstruction i ? guardFor(i) : null;
            if (target == null) {
                builder.with(element);
            } else {
                builder.invokestatic(GUARD, target.name(), target.type());
            }
        };
    }

    /** The {@link Guard} method replacing the call, or null when the call is not guarded. */
    private static Target guardFor(InvokeInstruction i) {
        if (!i.type().stringValue().equals("(I)V")) {
            return null;
        }
        String name = i.name().stringValue();
        ClassDesc owner = i.owner().asSymbol();
        if (owner.equals(SYSTEM) && name.equals("exit")) {
            return new Target("exit", STATIC_EXIT);
        }
        if (owner.equals(RUNTIME) && (name.equals("exit") || name.equals("halt"))) {
            return new Target(name, RUNTIME_EXIT);
        }
        return null;
    }

    private record Target(String name, MethodTypeDesc type) {
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
