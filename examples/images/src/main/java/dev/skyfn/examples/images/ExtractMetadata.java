package dev.skyfn.examples.images;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Step 1: what the image is — format, size, transparency, average colour. */
public class ExtractMetadata implements Handler<Photo, Photo.Metadata> {

    @Override
    public Photo.Metadata handle(Photo photo, Context ctx) throws IOException {
        BufferedImage image = Images.read(photo.image(), photo.name());
        long r = 0;
        long g = 0;
        long b = 0;
        int step = Math.max(1, (image.getWidth() * image.getHeight()) / 100_000);
        int samples = 0;
        for (int i = 0; i < image.getWidth() * image.getHeight(); i += step, samples++) {
            int rgb = image.getRGB(i % image.getWidth(), i / image.getWidth());
            r += (rgb >> 16) & 0xFF;
            g += (rgb >> 8) & 0xFF;
            b += rgb & 0xFF;
        }
        String mean = String.format("#%02x%02x%02x", r / samples, g / samples, b / samples);
        return new Photo.Metadata(format(photo.image()), image.getWidth(), image.getHeight(),
                image.getColorModel().hasAlpha(), mean, photo.image().length);
    }

    private static String format(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return "unknown";
            }
            ImageReader reader = readers.next();
            try {
                return reader.getFormatName().toLowerCase();
            } finally {
                reader.dispose();
            }
        }
    }
}
