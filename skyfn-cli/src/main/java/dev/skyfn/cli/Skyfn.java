package dev.skyfn.cli;

import dev.skyfn.core.SkyfnException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code skyfn} command. */
@Command(name = "skyfn", mixinStandardHelpOptions = true, version = "skyfn 0.1.0",
        description = "A cross-cloud serverless platform for Java.")
public final class Skyfn {

    /** Its subcommands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(ServerCommand.Dev.class, ServerCommand.NodeProcess.class,
            AppCommands.Deploy.class, InvokeCommand.class, AppCommands.List.class, LogsCommand.class, TopCommand.class, LiveCommands.Running.class, LiveCommands.Traces.class, LiveCommands.Trace.class, AppCommands.Remove.class,
            InvocationCommand.class, EventCommands.Publish.class, EventCommands.List.class, WorkflowCommands.Run.class, WorkflowCommands.List.class, WorkflowCommands.Show.class,
            WorkflowCommands.Cancel.class, CloudCommands.Clouds.class, CloudCommands.Nodes.class, CloudCommands.Explain.class, CloudCommands.Scaling.class, BillsCommand.class, MigrateCommand.class, CloudCommand.class,
            TenantCommand.class, StateCommand.class, DemoCommand.class, CommandLine.HelpCommand.class);

    /** Held so the level set on it is not lost to garbage collection. */
    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    private Skyfn() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        HELIDON.setLevel(Level.WARNING);
        CommandLine cli = new CommandLine(new Skyfn());
        commandsFor(args).forEach(cli::addSubcommand);
        CommandLine.IParameterExceptionHandler usage = cli.getParameterExceptionHandler();
        return cli.setParameterExceptionHandler((e, given) -> unknownCommand(e) ? 2 : usage.handleParseException(e, given))
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof CliException || e instanceof SkyfnException) {
                        cmd.getErr().println("error: " + e.getMessage());
                        return 1;
                    }
                    throw e;
                })
                .execute(args);
    }

    /**
     * Says, for a word that names no command of a command that has them ({@code skyfn typo},
     * {@code skyfn tenant typo}, {@code skyfn --typo}), that it is none and which commands are
     * spelled like it — not the whole usage, where the one line that matters is lost; false for
     * other errors, which keep picocli's message and the command's usage.
     */
    private static boolean unknownCommand(CommandLine.ParameterException e) {
        CommandLine cmd = e.getCommandLine();
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched) || cmd.getSubcommands().isEmpty()
                || unmatched.getUnmatched().isEmpty()) {
            return false;
        }
        String word = unmatched.getUnmatched().getFirst();
        String name = cmd.getCommandSpec().qualifiedName();
        var err = cmd.getErr();
        err.println("error: " + (word.startsWith("-") ? "'" + word + "' is not an option of '" + name + "'"
                : "'" + word + "' is not a command of '" + name + "'") + "; '" + name + " --help' lists them");
        List<String> like = unmatched.getSuggestions();
        if (!like.isEmpty()) {
            err.println("did you mean: " + String.join(", ", like) + "?");
        }
        return true;
    }

    /**
     * The subcommand {@code args} names, alone, or all of them (for help, or a name that is wrong):
     * picocli reads every registered command's annotations at start-up, which in a fresh JVM
     * costs more than the command itself.
     */
    private static List<Class<?>> commandsFor(String... args) {
        List<Class<?>> named = args.length == 0 ? List.of() : COMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0])).toList();
        return named.isEmpty() ? COMMANDS : named;
    }
}
