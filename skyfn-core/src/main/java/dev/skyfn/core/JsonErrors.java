package dev.skyfn.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;

/** Where reading a JSON document failed, in the document's terms rather than the parser's. */
public final class JsonErrors {

    private static final JsonFactory TOKENS = new JsonFactory();

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

    /** Where in the text a parser stopped: {@code (at 'a.b')} for a field, {@code (line 1, column 14)} for the text; empty when unknown. */
    public static String where(JacksonException e) {
        String path = fieldPath(e);
        return !path.isEmpty() ? " (at '" + path + "')" : at(e.getLocation());
    }

    /**
     * Checks that {@code text} (UTF-8) holds one JSON value and nothing after it, reading its
     * tokens only (a large string is skipped, not decoded); otherwise INVALID_INPUT: {@code <what>
     * is JSON: <why> (line L, column C)}. Blank text holds no value.
     */
    public static void requireOneValue(byte[] text, String what) {
        try (JsonParser parser = TOKENS.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new SkyfnException(ErrorCode.INVALID_INPUT, what + " is JSON: it is blank");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new SkyfnException(ErrorCode.INVALID_INPUT, what + " is JSON: one value, not more" + at(parser.currentTokenLocation()));
            }
        } catch (JacksonException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, what + " is JSON: " + e.getOriginalMessage() + at(e.getLocation()));
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, what + " is JSON: " + e.getMessage());
        }
    }

    private static String at(JsonLocation where) {
        return where == null || where.getLineNr() < 1 ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
    }
}
