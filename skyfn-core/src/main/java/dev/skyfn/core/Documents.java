package dev.skyfn.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers of the documents users write (manifests, workflow definitions, topologies), strict where
 * a lenient reader would silently drop what the user wrote: a key given twice is an error, not
 * "the last one wins".
 */
public final class Documents {

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    public static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'.*", Pattern.DOTALL);

    private Documents() {
    }

    /** Why a document could not be read, in the user's terms: {@code key 'f' appears twice (line 4)}. */
    public static String why(JacksonException e) {
        Matcher m = DUPLICATE.matcher(e.getOriginalMessage());
        if (!m.matches()) {
            return e.getOriginalMessage();
        }
        JsonLocation at = e.getLocation();
        return "key '" + m.group(1) + "' appears twice" + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ")");
    }
}
