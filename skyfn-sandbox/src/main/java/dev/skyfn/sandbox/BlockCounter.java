package dev.skyfn.sandbox;

import dev.skyfn.sandbox.guard.Work;
import java.lang.classfile.ClassElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.HashSet;
import java.util.Set;

/**
 * Rewrites an app class, as it loads, to count the basic blocks its methods execute: each method
 * keeps a count in a local of its own — one at entry, one more at each block a branch, a switch
 * or an exception handler starts, and after each conditional branch — and adds it to
 * {@link Work} as it returns or throws. A method left by an exception a callee threw adds
 * nothing: its blocks go uncounted, never counted twice. The JDK's ClassFile API does the
 * rewriting and computes the stack maps again.
 */
final class BlockCounter {

    private static final ClassDesc WORK = ClassDesc.of(Work.class.getName());
    private static final MethodTypeDesc ADD = MethodTypeDesc.ofDescriptor("(J)V");

    private final ClassFile classFile;

    /** {@code hierarchy} resolves the app's own classes, which stack maps may need. */
    BlockCounter(ClassLoader hierarchy) {
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofResourceParsing(hierarchy).orElse(ClassHierarchyResolver.defaultResolver()).cached()));
    }

    /**
     * The class rewritten to count its blocks; IllegalArgumentException saying why when it cannot
     * be (a method that would grow past the JVM's 64 KiB of code once counted): such a class is not
     * loaded uncounted, which would let an app hide its work in it.
     */
    byte[] instrument(byte[] bytes) {
        ClassModel model = classFile.parse(bytes);
        try {
            return classFile.transformClass(model, (builder, element) -> counting(builder, element));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(model.thisClass().asInternalName().replace('/', '.') + " cannot count its basic blocks ("
                    + e.getMessage() + "): metering: useful-work needs every method to stay under 64 KiB of code once counted", e);
        }
    }

    private static void counting(java.lang.classfile.ClassBuilder builder, ClassElement element) {
        if (element instanceof MethodModel m && m.code().isPresent()) {
            Set<Label> starts = blockStarts(m.code().get());
            builder.transformMethod(m, MethodTransform.transformingCode(new Counting(starts)));
        } else {
            builder.with(element);
        }
    }

    /** The labels where a block starts: targets of branches and switches, handlers of exceptions. */
    private static Set<Label> blockStarts(CodeModel code) {
        Set<Label> starts = new HashSet<>();
        for (CodeElement e : code) {
            switch (e) {
                case BranchInstruction b -> starts.add(b.target());
                case TableSwitchInstruction t -> {
                    starts.add(t.defaultTarget());
                    t.cases().stream().map(SwitchCase::target).forEach(starts::add);
                }
                case LookupSwitchInstruction l -> {
                    starts.add(l.defaultTarget());
                    l.cases().stream().map(SwitchCase::target).forEach(starts::add);
                }
                case ExceptionCatch c -> starts.add(c.handler());
                default -> {
                }
            }
        }
        return starts;
    }

    /** Counts one method's blocks in a local allocated for it. */
    private static final class Counting implements CodeTransform {
        private final Set<Label> starts;
        private int slot = -1;

        Counting(Set<Label> starts) {
            this.starts = starts;
        }

        @Override
        public void atStart(CodeBuilder b) {
            slot = b.allocateLocal(TypeKind.LONG);
            b.lconst_1();
            b.lstore(slot);
        }

        @Override
        public void accept(CodeBuilder b, CodeElement e) {
            switch (e) {
                case ReturnInstruction r -> {
                    flush(b);
                    b.with(e);
                }
                case ThrowInstruction t -> {
                    flush(b);
                    b.with(e);
                }
                case LabelTarget l when starts.contains(l.label()) -> {
                    b.with(e);
                    count(b);
                }
                case BranchInstruction br when br.opcode() != Opcode.GOTO && br.opcode() != Opcode.GOTO_W -> {
                    b.with(e);
                    count(b); // the fall-through starts a block
                }
                default -> b.with(e);
            }
        }

        private void count(CodeBuilder b) {
            b.lload(slot);
            b.lconst_1();
            b.ladd();
            b.lstore(slot);
        }

        private void flush(CodeBuilder b) {
            b.lload(slot);
            b.invokestatic(WORK, "add", ADD);
        }
    }
}
