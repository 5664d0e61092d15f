package dev.skyfn.cli;

import picocli.CommandLine.Option;

/** Where the API is and the key to call it with; shared by every client command. */
final class ClientOptions {

    @Option(names = "--url", description = "skyfn API URL (env SKYFN_URL; default ${DEFAULT-VALUE})",
            defaultValue = "${env:SKYFN_URL:-http://127.0.0.1:8080}")
    String url;

    @Option(names = "--key", description = "API key (env SKYFN_API_KEY; not needed for 'skyfn dev')",
            defaultValue = "${env:SKYFN_API_KEY}")
    String key;

    Client client() {
        return new Client(url, key);
    }
}
