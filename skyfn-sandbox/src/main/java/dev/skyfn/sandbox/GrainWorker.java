package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JavaType;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.google.cloud.functions.HttpFunction;
import dev.skyfn.api.Context;
import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.Handler;
import dev.skyfn.api.StreamHandler;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A function loaded in its app's sandbox (SAND's grain worker): the handler instance, created
 * once, and how its input and result are mapped. Each event runs it as a grain instance.
 */
final class GrainWorker {

    /** The call itself, whatever shape of handler the app wrote. */
    interface Call {
        Object apply(Object input, Context ctx) throws Exception;
    }

    /** How a call's payload becomes the handler's input, and its result the call's answer. */
    interface Io {
        Object in(Payload payload, Context ctx);

        /** The answer of {@code result} to a call that brought {@code in}. */
        Payload out(Object result, Payload in) throws java.io.IOException;
    }

    private final String function;
    private final JavaType inputType;
    private final Call call;
    private final Codec codec;
    private final Io io;
    /** Whose variables {@code System.getenv} answers while it runs: its app's environment, and its own view of it. */
    private final AppEnvironment env;
    private final Map<String, String> view;

    /** A handler of skyfn's shapes: bytes, text, JSON, an HTTP request and response ({@link Codec}). */
    private GrainWorker(String function, JavaType inputType, Call call, Codec codec) {
        this(function, inputType, call, codec, new Io() {
            @Override
            public Object in(Payload payload, Context ctx) {
                return codec.decode(payload, inputType);
            }

            @Override
            public Payload out(Object result, Payload in) throws java.io.IOException {
                return codec.encode(result);
            }
        });
    }

    GrainWorker(String function, JavaType inputType, Call call, Codec codec, Io io) {
        this(function, inputType, call, codec, io, null, null);
    }

    private GrainWorker(String function, JavaType inputType, Call call, Codec codec, Io io, AppEnvironment env,
                        Map<String, String> view) {
        this.function = function;
        this.inputType = inputType;
        this.call = call;
        this.codec = codec;
        this.io = io;
        this.env = env;
        this.view = view;
    }

    String function() {
        return function;
    }

    /** A call from another function of the app: objects in and out, converted only where the types differ. */
    Object call(Object input, Context ctx) throws Exception {
        var before = enter();
        try {
            return call.apply(codec.convert(input, inputType), ctx);
        } finally {
            leave(before);
        }
    }

    Payload run(Payload input, Context ctx) throws Exception {
        var before = enter();
        try {
            return io.out(call.apply(io.in(input, ctx), ctx), input);
        } finally {
            leave(before);
        }
    }

    private Map<String, String> enter() {
        return env == null ? null : env.enter(view);
    }

    private void leave(Map<String, String> before) {
        if (env != null) {
            env.leave(before);
        }
    }

    /**
     * Function {@code f} of version {@code version} of {@code app}, on a cloud in {@code region}:
     * its handler created, and each of its calls run, with its environment variables ({@code f}'s,
     * and those its platform sets for a Lambda or Cloud Functions handler) answering {@code System.getenv}.
     */
    static GrainWorker load(Message.HandlerRef f, String app, int version, String region, AppClassLoader loader,
                            Codec codec) {
        int method = f.handlerClass().indexOf("::");
        Class<?> type = handlerClass(f.function(), method < 0 ? f.handlerClass() : f.handlerClass().substring(0, method), loader);
        var vars = new LinkedHashMap<>(f.env());
        vars.putAll(PlatformVars.of(type, f.handlerClass(), app, f.function(), version, f.memoryMb(), region));
        var view = AppEnvironment.overProcess(vars);
        AppEnvironment env = loader.variables();
        var before = env.enter(view);
        try {
            GrainWorker w = load(f.function(), f.handlerClass(), loader, codec, version, f.memoryMb());
            return new GrainWorker(w.function, w.inputType, w.call, w.codec, w.io, env, view);
        } finally {
            env.leave(before);
        }
    }

    static GrainWorker load(String function, String className, ClassLoader loader, Codec codec) {
        return load(function, className, loader, codec, 0, 0);
    }

    /**
     * {@code version} is the app's and {@code memoryMb} the function's configured memory (0: unknown,
     * the heap is said), for handlers that ask for them (AWS Lambda's context does).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static GrainWorker load(String function, String className, ClassLoader loader, Codec codec, int version, int memoryMb) {
        int method = className.indexOf("::");
        if (method >= 0) {
            Class<?> type = handlerClass(function, className.substring(0, method), loader);
            return LambdaMethod.load(function, type, className.substring(method + 2), loader, codec, version, memoryMb);
        }
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
            case RequestHandler h -> new GrainWorker(function, codec.inputType(type, RequestHandler.class),
                    (in, ctx) -> h.handleRequest(in, new AwsLambdaContext((InvocationContext) ctx, version, memoryMb)), codec,
                    LambdaIo.of(type, RequestHandler.class, loader, codec));
            case RequestStreamHandler s -> new GrainWorker(function, codec.type(byte[].class), (in, ctx) -> {
                var out = new ByteArrayOutputStream();
                s.handleRequest(new ByteArrayInputStream((byte[]) in), out, new AwsLambdaContext((InvocationContext) ctx, version, memoryMb));
                return out.toByteArray();
            }, codec, LambdaIo.stream(codec));
            case HttpFunction f -> new GrainWorker(function, codec.type(HttpRequest.class), (in, ctx) -> {
                var response = new GoogleHttpExchange.Response();
                f.service(GoogleHttpExchange.request((HttpRequest) in), response);
                return response.toSkyfn();
            }, codec);
            case com.google.cloud.functions.CloudEventsFunction f -> new GrainWorker(function, codec.type(Object.class), (in, ctx) -> {
                f.accept((io.cloudevents.CloudEvent) in);
                return null;
            }, codec, GoogleEvents.io(GoogleEvents::cloudEvent));
            case com.google.cloud.functions.BackgroundFunction f -> {
                JavaType data = codec.inputType(type, com.google.cloud.functions.BackgroundFunction.class);
                yield new GrainWorker(function, data, (in, ctx) -> {
                    var event = (GoogleEvents.Background) in;
                    f.accept(codec.decode(Payload.json(event.data().getBytes(java.nio.charset.StandardCharsets.UTF_8)), data), event.context());
                    return null;
                }, codec, GoogleEvents.io(GoogleEvents::background));
            }
            case com.google.cloud.functions.RawBackgroundFunction f -> new GrainWorker(function, codec.type(Object.class), (in, ctx) -> {
                var event = (GoogleEvents.Background) in;
                f.accept(event.data(), event.context());
                return null;
            }, codec, GoogleEvents.io(GoogleEvents::background));
            default -> throw invalid(function, className + " implements none of the handler interfaces: "
                    + Handler.class.getName() + ", " + StreamHandler.class.getName() + ", java.util.function.Function, "
                    + RequestHandler.class.getName() + ", " + RequestStreamHandler.class.getName() + ", " + HttpFunction.class.getName()
                    + ", com.google.cloud.functions.CloudEventsFunction, BackgroundFunction, RawBackgroundFunction");
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

    static Object instantiate(String function, Class<?> type) {
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
                    "function " + function + ": creating " + type.getName() + " failed: " + Thrown.describe(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED,
                    "function " + function + ": creating " + type.getName() + " failed: " + e, e);
        }
    }

    static SkyfnException invalid(String function, String why) {
        return new SkyfnException(ErrorCode.HANDLER_INVALID, "function " + function + ": " + why);
    }
}
