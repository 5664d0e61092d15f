package dev.skyfn.core.manifest;

/** Who may call a function through its function URL. */
public enum UrlAccess {
    /** Anyone; the function sees every request. */
    PUBLIC,
    /** Callers with an API key of the app's tenant. */
    PRIVATE,
    /** The function has no URL. */
    OFF
}
