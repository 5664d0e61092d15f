package dev.skyfn.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skyfn invocation ID}: the status and result of an async invocation. */
@Command(name = "invocation", mixinStandardHelpOptions = true, description = "Show an async invocation: its state, timings and result.")
final class InvocationCommand implements Callable<Integer> {

    @Mixin
    ClientOptions api;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
        System.out.println(Client.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(api.client().json("GET", "/v1/invocations/" + Client.segment(id), null)));
        return 0;
    }
}
