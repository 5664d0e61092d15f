package dev.skyfn.examples.images;

/**
 * What flows through the pipeline: the photo and what each step added to it. Bytes travel as
 * base64 in JSON; between steps in the app's sandbox they are handed on as they are.
 */
public record Photo(String name, byte[] image, Metadata metadata, byte[] transformed, byte[] thumbnail) {

    /** What {@link ExtractMetadata} finds out. */
    public record Metadata(String format, int width, int height, boolean alpha, String meanColor, long bytes) {
    }
}
