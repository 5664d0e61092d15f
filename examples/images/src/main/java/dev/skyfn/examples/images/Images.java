package dev.skyfn.examples.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Reading and writing images with {@code javax.imageio}. */
final class Images {

    private Images() {
    }

    static BufferedImage read(byte[] bytes, String name) {
        try {
            BufferedImage image = bytes == null ? null : ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new NotAnImage(name);
            }
            return image;
        } catch (IOException e) {
            throw new NotAnImage(name);
        }
    }

    static byte[] png(BufferedImage image) {
        var out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
