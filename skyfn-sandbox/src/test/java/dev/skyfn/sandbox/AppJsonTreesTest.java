package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JSON trees of an app's own Jackson (not the sandbox's) go in and out with every digit of their numbers. */
class AppJsonTreesTest {

    private static final String ORDER = "{\"amount\":0.1000000000000000000001,\"price\":1.10,\"id\":123456789012345678901234567890,"
            + "\"tiny\":1E-30,\"items\":[{\"qty\":3}]}";
    private static URLClassLoader app;
    private final Codec codec = new Codec(1 << 20);

    /** Jackson's jars in a loader of their own, as an app bundling them has its own copy. */
    @BeforeAll
    static void appWithItsOwnJackson() {
        URL[] jars = Stream.of(com.fasterxml.jackson.databind.JsonNode.class, com.fasterxml.jackson.core.JsonParser.class,
                        com.fasterxml.jackson.annotation.JsonProperty.class)
                .map(c -> c.getProtectionDomain().getCodeSource().getLocation()).toArray(URL[]::new);
        app = new URLClassLoader(jars, ClassLoader.getPlatformClassLoader());
    }

    @AfterAll
    static void close() throws Exception {
        app.close();
    }

    private Object decode(String json, String type) throws Exception {
        return codec.decode(Payload.json(json.getBytes(StandardCharsets.UTF_8)),
                codec.type(app.loadClass("com.fasterxml.jackson.databind." + type)));
    }

    @Test
    void readsAndWritesAnAppsTreeWithEveryDigit() throws Exception {
        Object tree = decode(ORDER, "node.ObjectNode");
        assertThat(tree.getClass().getClassLoader()).isSameAs(app);
        assertThat(tree.toString()).isEqualTo(ORDER);
        Object amount = tree.getClass().getMethod("get", String.class).invoke(tree, "amount");
        assertThat(amount.getClass().getSimpleName()).isEqualTo("DecimalNode");
        assertThat(new String(((Payload.Body) codec.encode(tree)).bytes(), StandardCharsets.UTF_8)).isEqualTo(ORDER);
        assertThat(decode("[1, 2.50]", "JsonNode").toString()).isEqualTo("[1,2.50]");
    }

    @Test
    void passesAnAppsTreeInsideOtherValuesAndBetweenFunctions() throws Exception {
        Object tree = decode(ORDER, "JsonNode");
        assertThat(new String(((Payload.Body) codec.encode(Map.of("order", tree))).bytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"order\":" + ORDER + "}");
        assertThat(codec.toJson(Map.of("order", tree)).get("order").get("price").decimalValue()).hasToString("1.10");
        Object again = codec.convert(codec.toJson(tree), codec.type(tree.getClass()));
        assertThat(again.toString()).isEqualTo(ORDER);
    }

    @Test
    void refusesJsonOfAnotherShapeAsInvalidInput() {
        assertThatThrownBy(() -> decode("[1]", "node.ObjectNode"))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("expected JSON that makes a ObjectNode, found array");
    }
}
