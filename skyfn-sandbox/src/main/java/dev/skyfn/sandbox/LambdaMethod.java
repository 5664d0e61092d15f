package dev.skyfn.sandbox;

import com.amazonaws.services.lambda.runtime.Context;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A handler named {@code Class::method}, as AWS Lambda's Java runtime takes one: any public
 * method of that name, static or not, shaped {@code (input[, Context])}, {@code ()} or
 * {@code (InputStream, OutputStream[, Context])}, on a class that need implement no interface.
 * Of several methods of the name, the one with most parameters, then the one ending in
 * {@code Context}, as Lambda picks. Input and output are Lambda's ({@link LambdaIo}).
 */
final class LambdaMethod {

    private LambdaMethod() {
    }

    static GrainWorker load(String function, Class<?> type, String name, ClassLoader loader, Codec codec, int version,
                            int memoryMb) {
        Method method = Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals(name) && !m.isBridge() && !m.isSynthetic() && m.getParameterCount() <= 3)
                .max(Comparator.comparingInt(Method::getParameterCount).thenComparing(LambdaMethod::endsWithContext))
                .orElseThrow(() -> GrainWorker.invalid(function, type.getName() + " has no public method " + name
                        + " taking (input[, Context]) or (InputStream, OutputStream[, Context])"));
        Object target = Modifier.isStatic(method.getModifiers()) ? null : GrainWorker.instantiate(function, type);
        Class<?>[] params = method.getParameterTypes();
        boolean context = endsWithContext(method);
        if (params.length >= 2 && params[0] == InputStream.class && params[1] == OutputStream.class) {
            return new GrainWorker(function, codec.type(byte[].class), (in, ctx) -> {
                var out = new ByteArrayOutputStream();
                Object[] args = context ? new Object[] {new ByteArrayInputStream((byte[]) in), out, lambda(ctx, version, memoryMb)}
                        : new Object[] {new ByteArrayInputStream((byte[]) in), out};
                call(method, target, args);
                return out.toByteArray();
            }, codec, LambdaIo.stream(codec));
        }
        int inputs = params.length - (context ? 1 : 0);
        if (inputs > 1) {
            throw GrainWorker.invalid(function, type.getName() + "::" + name + " takes " + params.length
                    + " parameters; Lambda passes (input[, Context]) or (InputStream, OutputStream[, Context])");
        }
        Type input = inputs == 1 ? method.getGenericParameterTypes()[0] : Object.class;
        return new GrainWorker(function, codec.type(inputs == 1 ? params[0] : Object.class), (in, ctx) -> {
            Object[] args = new Object[params.length];
            if (inputs == 1) {
                args[0] = in;
            }
            if (context) {
                args[params.length - 1] = lambda(ctx, version, memoryMb);
            }
            return call(method, target, args);
        }, codec, LambdaIo.of(input, method.getGenericReturnType(), loader, codec));
    }

    private static boolean endsWithContext(Method m) {
        return m.getParameterCount() > 0 && m.getParameterTypes()[m.getParameterCount() - 1] == Context.class;
    }

    private static AwsLambdaContext lambda(dev.skyfn.api.Context ctx, int version, int memoryMb) {
        return new AwsLambdaContext((InvocationContext) ctx, version, memoryMb);
    }

    /** The method's result; what it throws is thrown as it is, as a handler implementing an interface would throw it. */
    private static Object call(Method method, Object target, Object[] args) throws Exception {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception thrown) {
                throw thrown;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
