package dev.skyfn.examples.images;

/** The input is not an image {@code javax.imageio} can read; the workflow catches it by this name. */
public class NotAnImage extends RuntimeException {
    public NotAnImage(String name) {
        super(name + " is not an image javax.imageio can read (PNG, JPEG, GIF, BMP)");
    }
}
