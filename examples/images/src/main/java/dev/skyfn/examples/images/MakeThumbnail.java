package dev.skyfn.examples.images;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Step 3: the transformed photo scaled down to fit 160 pixels, bicubic. */
public class MakeThumbnail implements Handler<Photo, byte[]> {

    static final int SIZE = 160;

    @Override
    public byte[] handle(Photo photo, Context ctx) {
        BufferedImage source = Images.read(photo.transformed(), photo.name());
        double factor = Math.min(1.0, (double) SIZE / Math.max(source.getWidth(), source.getHeight()));
        int w = Math.max(1, (int) Math.round(source.getWidth() * factor));
        int h = Math.max(1, (int) Math.round(source.getHeight() * factor));
        BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = thumb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return Images.png(thumb);
    }
}
