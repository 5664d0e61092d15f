package dev.skyfn.sandbox;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import dev.skyfn.api.Context;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An AWS Lambda handler's input and output as Lambda's Java runtime makes them: JSON read and
 * written with Lambda's own serialization library — its serializers for the event classes it
 * knows ({@code SQSEvent}'s {@code "Records"}, S3, SNS, DynamoDB and Kinesis records…), its
 * Jackson configuration for everything else, so an app's own Jackson annotations count as little
 * as on Lambda. Called through its function URL, the handler gets the event Lambda builds from the
 * HTTP request ({@link FunctionUrlEvents}: payload 2.0, or 1.0 for {@code APIGatewayProxyRequestEvent}),
 * and its answer becomes the HTTP response. A {@code null} result is JSON {@code null}.
 */
final class LambdaIo implements GrainWorker.Io {

    static final String V1_EVENT = "com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent";

    /** Null for a stream handler, which reads and writes bytes. */
    private final PojoSerializer<Object> input;
    /** Null when the output type is unknown: each result by its own class. */
    private final PojoSerializer<Object> output;
    private final ClassLoader loader;
    private final FunctionUrlEvents.Format format;
    private final Codec codec;
    private final ConcurrentHashMap<Class<?>, PojoSerializer<Object>> byClass = new ConcurrentHashMap<>();

    private LambdaIo(PojoSerializer<Object> input, PojoSerializer<Object> output, ClassLoader loader, FunctionUrlEvents.Format format,
                     Codec codec) {
        this.input = input;
        this.output = output;
        this.loader = loader;
        this.format = format;
        this.codec = codec;
    }

    /** For a {@code RequestHandler<I, O>} implemented by {@code handler}. */
    static LambdaIo of(Class<?> handler, Class<?> iface, ClassLoader loader, Codec codec) {
        Type[] types = typeArguments(handler, iface);
        return of(types[0], types[1], loader, codec);
    }

    /** For a handler method taking {@code input} (Object when it takes none) and returning {@code output}. */
    static LambdaIo of(Type input, Type output, ClassLoader loader, Codec codec) {
        FunctionUrlEvents.Format format = input instanceof Class<?> c && c.getName().equals(V1_EVENT)
                ? FunctionUrlEvents.Format.V1 : FunctionUrlEvents.Format.V2;
        return new LambdaIo(serializer(input, loader), output == Object.class || output == void.class ? null : serializer(output, loader),
                loader, format, codec);
    }

    /** For a {@code RequestStreamHandler}: bytes in, bytes out; function URL events in format 2.0. */
    static LambdaIo stream(Codec codec) {
        return new LambdaIo(null, null, null, FunctionUrlEvents.Format.V2, codec);
    }

    @Override
    public Object in(Payload payload, Context ctx) {
        byte[] json = payload instanceof Payload.Request r
                ? FunctionUrlEvents.event(format, r.request(), ctx.app(), ctx.invocationId(), Instant.now())
                : Codec.body(payload);
        if (input == null) {
            return json;
        }
        if (json.length == 0) {
            return null;
        }
        try {
            return input.fromJson(new ByteArrayInputStream(json));
        } catch (RuntimeException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "input does not fit the handler's type: " + rootMessage(e));
        }
    }

    @Override
    public Payload out(Object result, Payload in) {
        byte[] json = input == null ? (byte[]) result : write(result);
        if (in instanceof Payload.Request) {
            return codec.checked(new Payload.Response(FunctionUrlEvents.response(format, json)));
        }
        return codec.checked(input == null ? new Payload.Body(Codec.BINARY, json) : Payload.json(json));
    }

    private byte[] write(Object result) {
        if (result == null) {
            return "null".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        PojoSerializer<Object> s = output != null ? output : byClass.computeIfAbsent(result.getClass(), c -> serializer(c, loader));
        var out = new ByteArrayOutputStream();
        try {
            s.toJson(result, out);
        } catch (RuntimeException e) {
            throw new SkyfnException(ErrorCode.FUNCTION_ERROR, "the result of type " + result.getClass().getName()
                    + " cannot be written as JSON: " + rootMessage(e));
        }
        return out.toByteArray();
    }

    /** The serializer Lambda's runtime picks for {@code type}: its own for an event class it knows, else its Jackson one. */
    @SuppressWarnings("unchecked")
    private static PojoSerializer<Object> serializer(Type type, ClassLoader loader) {
        if (type instanceof Class<?> c && LambdaEventSerializers.isLambdaSupportedEvent(c.getName())) {
            return LambdaEventSerializers.serializerFor((Class<Object>) c, loader);
        }
        return JacksonFactory.getInstance().getSerializer(type);
    }

    /** The handler's type arguments for {@code iface} ({@code I}, {@code O}); Object where they are not known. */
    static Type[] typeArguments(Class<?> handler, Class<?> iface) {
        for (Class<?> c = handler; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type t : c.getGenericInterfaces()) {
                if (t instanceof ParameterizedType p && p.getRawType() == iface) {
                    Type[] args = p.getActualTypeArguments().clone();
                    for (int i = 0; i < args.length; i++) {
                        if (!(args[i] instanceof Class<?>) && !(args[i] instanceof ParameterizedType)) {
                            args[i] = Object.class;
                        }
                    }
                    return args;
                }
            }
        }
        return new Type[] {Object.class, Object.class};
    }

    private static String rootMessage(Throwable e) {
        return Thrown.message(Thrown.root(e));
    }
}
