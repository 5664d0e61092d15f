package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skyfn tenant}: tenants and API keys (creating tenants needs an admin key). */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Manage tenants and their API keys.",
        subcommands = {TenantCommand.Create.class, TenantCommand.List.class, TenantCommand.NewKey.class, TenantCommand.Revoke.class})
final class TenantCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant; prints its first API key (shown only once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "NAME")
        String name;

        @picocli.CommandLine.Option(names = "--trust", paramLabel = "LEVEL", defaultValue = "untrusted",
                description = "the tenant's trust policy: untrusted (default), trusted or tee — the least trust a cloud needs to run "
                        + "its apps and hold its data's key")
        String trust;

        @Override
        public Integer call() throws Exception {
            byte[] body = Client.JSON.writeValueAsBytes(Map.of("name", name, "trust", trust));
            JsonNode key = api.client().json("POST", "/v1/tenants", body);
            System.out.println("tenant " + key.get("tenant").asText() + " created; its API key (store it now, it is not shown again):");
            System.out.println(key.get("apiKey").asText());
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List tenants.")
    static final class List implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Override
        public Integer call() {
            for (JsonNode t : api.client().json("GET", "/v1/tenants", null).get("tenants")) {
                System.out.printf("%-24s %s%n", t.get("name").asText(), t.get("created").asText());
            }
            return 0;
        }
    }

    @Command(name = "new-key", mixinStandardHelpOptions = true, description = "Issue another API key for a tenant.")
    static final class NewKey implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "TENANT")
        String tenant;

        @Override
        public Integer call() {
            JsonNode key = api.client().json("POST", "/v1/tenants/" + Client.segment(tenant) + "/keys", null);
            System.out.println("key " + key.get("keyId").asText() + ": " + key.get("apiKey").asText());
            return 0;
        }
    }

    @Command(name = "revoke-key", mixinStandardHelpOptions = true, description = "Revoke an API key by its id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "TENANT")
        String tenant;

        @Parameters(paramLabel = "KEY_ID")
        String keyId;

        @Override
        public Integer call() {
            api.client().send("DELETE", "/v1/tenants/" + Client.segment(tenant) + "/keys/" + Client.segment(keyId), null, null);
            System.out.println("revoked " + keyId);
            return 0;
        }
    }
}
