package dev.skyfn.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code skyfn} command. */
@Command(name = "skyfn", mixinStandardHelpOptions = true, version = "skyfn 0.1.0",
        description = "A cross-cloud serverless platform for Java.",
        subcommands = {ServerCommand.Dev.class, ServerCommand.NodeProcess.class, AppCommands.Deploy.class,
                InvokeCommand.class, AppCommands.List.class, LogsCommand.class, AppCommands.Remove.class,
                InvocationCommand.class, WorkflowCommands.Run.class, WorkflowCommands.List.class, WorkflowCommands.Show.class,
                WorkflowCommands.Cancel.class, CloudCommands.Clouds.class, CloudCommands.Nodes.class, CloudCommands.Explain.class,
                TenantCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Skyfn {

    /** Held so the level set on it is not lost to garbage collection. */
    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    private Skyfn() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        HELIDON.setLevel(Level.WARNING);
        return new CommandLine(new Skyfn())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof CliException) {
                        cmd.getErr().println("error: " + e.getMessage());
                        return 1;
                    }
                    throw e;
                })
                .execute(args);
    }
}
