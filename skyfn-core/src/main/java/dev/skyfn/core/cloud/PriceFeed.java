package dev.skyfn.core.cloud;

import java.time.Instant;

/**
 * Where a cloud's price at a moment comes from: the SPI of live prices. The topology's prices
 * ({@link #FIXED}) and a trace replayed ({@link #replay}) are built in; a live source implements
 * {@link #at} over its provider's API — AWS {@code DescribeSpotPriceHistory}, Alibaba Cloud ECS
 * {@code DescribeSpotPriceHistory}, the Google Cloud Billing Catalog's SKUs — caching what it
 * read, since placement asks for prices at every decision.
 */
@FunctionalInterface
public interface PriceFeed {

    /** {@code cloud}'s pricing at {@code now}. */
    Pricing at(Cloud cloud, Instant now);

    /** Whether prices move at all: with none moving, a fleet need not reprice its topology. */
    default boolean moves() {
        return true;
    }

    /** Every cloud at its topology's price. */
    PriceFeed FIXED = new PriceFeed() {
        @Override
        public Pricing at(Cloud cloud, Instant now) {
            return cloud.pricing();
        }

        @Override
        public boolean moves() {
            return false;
        }
    };

    /** {@code trace} replayed from {@code epoch}, its time compressed by {@code timeScale} (above 0). */
    static PriceFeed replay(PriceTrace trace, Instant epoch, double timeScale) {
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("a time scale is a factor above 0: " + timeScale);
        }
        return trace.isEmpty() ? FIXED : (cloud, now) -> trace.at(cloud, epoch, timeScale, now);
    }
}
