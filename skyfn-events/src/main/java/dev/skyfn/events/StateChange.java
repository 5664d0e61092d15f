package dev.skyfn.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Base64;

/** The data of a state-change event: the key and its values before and after, as text when they are UTF-8. */
final class StateChange {

    /** Values longer than this are cut in the event; the function reads the whole value from the state. */
    static final int MAX_VALUE_BYTES = 64 << 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateChange() {
    }

    static byte[] json(String key, byte[] before, byte[] after) {
        ObjectNode data = JSON.createObjectNode().put("key", key);
        value(data, "oldValue", before);
        value(data, "newValue", after);
        try {
            return JSON.writeValueAsBytes(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void value(ObjectNode data, String name, byte[] value) {
        if (value == null) {
            data.putNull(name);
            return;
        }
        byte[] cut = value.length > MAX_VALUE_BYTES ? Arrays.copyOf(value, MAX_VALUE_BYTES) : value;
        if (cut != value) {
            data.put(name + "Size", value.length);
        }
        String text = CloudEventJson.utf8Text(cut);
        if (text != null) {
            data.put(name, text);
        } else {
            data.put(name + "Base64", Base64.getEncoder().encodeToString(cut));
        }
    }
}
