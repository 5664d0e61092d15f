package dev.skyfn.examples.images;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.awt.image.BufferedImage;

/** Step 2: a sepia version of the photo, turned to landscape if it was portrait. */
public class Transform implements Handler<Photo, byte[]> {

    @Override
    public byte[] handle(Photo photo, Context ctx) {
        BufferedImage source = Images.read(photo.image(), photo.name());
        boolean portrait = source.getHeight() > source.getWidth();
        int w = portrait ? source.getHeight() : source.getWidth();
        int h = portrait ? source.getWidth() : source.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < source.getHeight(); y++) {
            for (int x = 0; x < source.getWidth(); x++) {
                int rgb = source.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                int sr = Math.min(255, (int) (0.393 * r + 0.769 * g + 0.189 * b));
                int sg = Math.min(255, (int) (0.349 * r + 0.686 * g + 0.168 * b));
                int sb = Math.min(255, (int) (0.272 * r + 0.534 * g + 0.131 * b));
                int sepia = (sr << 16) | (sg << 8) | sb;
                if (portrait) {
                    out.setRGB(source.getHeight() - 1 - y, x, sepia);
                } else {
                    out.setRGB(x, y, sepia);
                }
            }
        }
        return Images.png(out);
    }
}
