package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JavaType;
import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.StreamHandler;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.function.Function;

/**
 * A function loaded in its app's sandbox (SAND's grain worker): the handler instance, created
 * once, and how its input and result are mapped. Each event runs it as a grain instance.
 */
final class GrainWorker {

    /** The call itself, whatever shape of handler the app wrote. */
    private interface Call {
        Object apply(Object input, Context ctx) throws Exception;
    }

    private final String function;
    private final JavaType inputType;
    private final Call call;
    private final Codec codec;

    private GrainWorker(String function, JavaType inputType, Call call, Codec codec) {
        this.function = function;
        this.inputType = inputType;
        this.call = call;
        this.codec = codec;
    }

    String function() {
        return function;
    }

    Payload run(Payload input, Context ctx) throws Exception {
        Object result = call.apply(codec.decode(input, inputType), ctx);
        return codec.encode(result);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static GrainWorker load(String function, String className, ClassLoader loader, Codec codec) {
        Class<?> type = handlerClass(function, className, loader);
        Object instance = instantiate(function, type);
        return switch (instance) {
            case Handler h -> new GrainWorker(function, codec.inputType(type, Handler.class), h::handle, codec);
            case StreamHandler s -> new GrainWorker(function, codec.type(byte[].class),
                    (in, ctx) -> {
                        var out = new ByteArrayOutputStream();
                        s.handle(new ByteArrayInputStream((byte[]) in), out, ctx);
                        return out.toByteArray();
                    }, codec);
            case Function f -> new GrainWorker(function, codec.inputType(type, Function.class), (in, ctx) -> f.apply(in), codec);
            default -> throw invalid(function, className + " implements neither " + Handler.class.getName()
                    + ", " + StreamHandler.class.getName() + " nor java.util.function.Function");
        };
    }

    private static Class<?> handlerClass(String function, String className, ClassLoader loader) {
        try {
            return Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new SkyfnException(ErrorCode.HANDLER_NOT_FOUND,
                    "function " + function + ": handler class " + className + " is not in the app's jar");
        } catch (LinkageError e) {
            throw invalid(function, className + " cannot be loaded: " + e);
        }
    }

    private static Object instantiate(String function, Class<?> type) {
        if (Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
            throw invalid(function, type.getName() + " must be a public, non-abstract class");
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw invalid(function, type.getName() + " needs a public constructor without parameters");
        }
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED,
                    "function " + function + ": creating " + type.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED,
                    "function " + function + ": creating " + type.getName() + " failed: " + e, e);
        }
    }

    private static SkyfnException invalid(String function, String why) {
        return new SkyfnException(ErrorCode.HANDLER_INVALID, "function " + function + ": " + why);
    }
}
