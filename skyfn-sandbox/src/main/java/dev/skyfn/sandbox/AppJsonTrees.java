package dev.skyfn.sandbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.Version;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.deser.Deserializers;
import com.fasterxml.jackson.databind.ser.Serializers;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * JSON trees of the Jackson an app bundles: its own {@code com.fasterxml.jackson.databind.JsonNode},
 * which is not the sandbox's (apps share only Jackson's annotations with the sandbox, so that each
 * keeps the Jackson version it was built with). A module of the sandbox's mapper, so that every
 * path — a call's input and result, calls between functions, workflow data, a record's field —
 * reads such a tree with the app's Jackson and writes it from its JSON text. Numbers stay exact
 * both ways: fractions as {@code BigDecimal} with their trailing zeros, integers of any size.
 */
final class AppJsonTrees extends Module {

    private static final String DATABIND = "com.fasterxml.jackson.databind.";
    /** The sandbox's own reader of exact trees. */
    private static final ObjectReader EXACT = new ObjectMapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    /** Each app's Jackson, found from its tree classes. */
    private static final ClassValue<MethodHandle> READ_TREE = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> tree) {
            return appReadTree(tree.getClassLoader());
        }
    };

    /** Whether {@code type} is a JSON tree class of an app's own Jackson. */
    static boolean isAppTree(Class<?> type) {
        return type.getName().startsWith(DATABIND) && type.getClassLoader() != JsonNode.class.getClassLoader()
                && appTreeBase(type) != null;
    }

    private static Class<?> appTreeBase(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(DATABIND + "JsonNode")) {
                return c;
            }
        }
        return null;
    }

    /**
     * {@code ObjectMapper.readTree(String)} of the app's Jackson, on a mapper reading fractions
     * as exact decimals: the app's JsonNode API through a method handle, as the sandbox cannot link to it.
     */
    private static MethodHandle appReadTree(ClassLoader app) {
        try {
            Class<?> mapperClass = Class.forName(DATABIND + "ObjectMapper", true, app);
            Class<?> feature = Class.forName(DATABIND + "DeserializationFeature", true, app);
            Class<?> factory = Class.forName(DATABIND + "node.JsonNodeFactory", true, app);
            Object mapper = mapperClass.getConstructor().newInstance();
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object bigDecimals = Enum.valueOf((Class) feature, "USE_BIG_DECIMAL_FOR_FLOATS");
            mapperClass.getMethod("enable", feature).invoke(mapper, bigDecimals);
            Object exact = factory.getMethod("withExactBigDecimals", boolean.class).invoke(null, true);
            mapperClass.getMethod("setNodeFactory", factory).invoke(mapper, exact);
            MethodHandle read = MethodHandles.publicLookup().findVirtual(mapperClass, "readTree",
                    MethodType.methodType(Class.forName(DATABIND + "JsonNode", true, app), String.class));
            return read.bindTo(mapper).asType(MethodType.methodType(Object.class, String.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("the app's Jackson cannot read JSON trees: " + e, e);
        }
    }

    @Override
    public String getModuleName() {
        return "skyfn-app-json-trees";
    }

    @Override
    public Version version() {
        return Version.unknownVersion();
    }

    @Override
    public void setupModule(SetupContext context) {
        context.addDeserializers(new Deserializers.Base() {
            @Override
            public JsonDeserializer<?> findBeanDeserializer(JavaType type, DeserializationConfig config, BeanDescription beanDesc) {
                return isAppTree(type.getRawClass()) ? new Reader(type.getRawClass()) : null;
            }
        });
        context.addSerializers(new Serializers.Base() {
            @Override
            public JsonSerializer<?> findSerializer(SerializationConfig config, JavaType type, BeanDescription beanDesc) {
                return isAppTree(type.getRawClass()) ? new Writer() : null;
            }
        });
    }

    /** Reads the JSON exactly, then has the app's Jackson read its text. */
    private static final class Reader extends JsonDeserializer<Object> {
        private final Class<?> type;

        Reader(Class<?> type) {
            this.type = type;
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode exact = EXACT.readTree(p);
            Object tree;
            try {
                tree = READ_TREE.get(type).invoke(exact.toString());
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IOException(e);
            }
            if (!type.isInstance(tree)) {
                return ctxt.reportInputMismatch(type, "expected JSON that makes a %s, found %s", type.getSimpleName(),
                        exact.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            return tree;
        }
    }

    /** Writes an app's tree from its JSON text, read exactly. */
    private static final class Writer extends JsonSerializer<Object> {
        @Override
        public void serialize(Object tree, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeTree(EXACT.readTree(tree.toString()));
        }
    }
}
