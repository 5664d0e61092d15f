/**
 * The skyfn function API: implement {@link dev.skyfn.api.Handler} (or {@link
 * dev.skyfn.api.StreamHandler}, or a plain {@link java.util.function.Function}), name the class in
 * {@code skyfn.yaml}, and deploy the jar.
 */
package dev.skyfn.api;
