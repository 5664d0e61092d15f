package dev.skyfn.examples.images;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;

/**
 * Step 4: keeps the thumbnail and the metadata in the app's durable state, under the photo's
 * name, and says what it kept. Writing the same photo twice (a re-run after a crash) is harmless.
 */
public class Save implements Handler<Photo, Save.Stored> {

    public record Stored(String name, String thumbnailKey, int thumbnailBytes, String metadataKey, Photo.Metadata metadata) {
    }

    @Override
    public Stored handle(Photo photo, Context ctx) {
        Store global = ctx.state().global();
        String thumb = "thumbnails/" + photo.name();
        String meta = "metadata/" + photo.name();
        global.put(thumb, photo.thumbnail());
        global.putString(meta, photo.metadata().toString());
        ctx.log().info("stored " + photo.name() + ": " + photo.thumbnail().length + "-byte thumbnail (step " + ctx.idempotencyKey() + ")");
        return new Stored(photo.name(), thumb, photo.thumbnail().length, meta, photo.metadata());
    }
}
