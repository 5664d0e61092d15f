package dev.skyfn.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;

/** Where reading a JSON document failed, in the document's terms rather than the parser's. */
public final class JsonErrors {

    private JsonErrors() {
    }

    /**
     * The path of the field a mapping failed at, as a person writes it ({@code items[2].sku}); empty
     * when it failed outside any field (malformed text, or the document as a whole).
     */
    public static String fieldPath(JacksonException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
