package dev.skyfn.examples.thumbnail;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Scales an image (PNG, JPEG, GIF, BMP) down to a thumbnail with {@code javax.imageio}: CPU-bound
 * work. Works over its function URL ({@code POST /fn/.../thumbnail?size=96} with the image as the
 * body) and through the invoke API alike.
 */
public class Thumbnail implements Handler<HttpRequest, HttpResponse> {

    private static final int DEFAULT_SIZE = 128;
    private static final int MAX_SIZE = 1024;

    @Override
    public HttpResponse handle(HttpRequest request, Context ctx) throws IOException {
        BufferedImage source = ImageIO.read(new ByteArrayInputStream(request.body()));
        if (source == null) {
            return HttpResponse.text(415, "the body is not an image this function can read (PNG, JPEG, GIF, BMP)");
        }
        int size = size(request.query());
        BufferedImage thumb = scale(source, size);
        var out = new ByteArrayOutputStream();
        ImageIO.write(thumb, "png", out);
        ctx.log().info("thumbnail " + source.getWidth() + "x" + source.getHeight() + " -> " + thumb.getWidth() + "x" + thumb.getHeight());
        return HttpResponse.of(200, "image/png", out.toByteArray())
                .withHeader("x-source-size", source.getWidth() + "x" + source.getHeight())
                .withHeader("x-thumbnail-size", thumb.getWidth() + "x" + thumb.getHeight());
    }

    private static int size(String query) {
        for (String pair : query.split("&")) {
            if (pair.startsWith("size=")) {
                try {
                    return Math.clamp(Integer.parseInt(pair.substring(5)), 1, MAX_SIZE);
                } catch (NumberFormatException e) {
                    return DEFAULT_SIZE;
                }
            }
        }
        return DEFAULT_SIZE;
    }

    static BufferedImage scale(BufferedImage source, int size) {
        double factor = Math.min(1.0, (double) size / Math.max(source.getWidth(), source.getHeight()));
        int w = Math.max(1, (int) Math.round(source.getWidth() * factor));
        int h = Math.max(1, (int) Math.round(source.getHeight() * factor));
        BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = thumb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return thumb;
    }
}
