package dev.skyfn.cli;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.mirror.Promotion;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skyfn state}: the fleet's state (JetStream) as an operator handles it. */
@Command(name = "state", mixinStandardHelpOptions = true,
        description = "Handle the fleet's state (its JetStream streams and buckets) as an operator: promote its mirror.",
        subcommands = {StateCommand.Promote.class})
final class StateCommand {

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"After the whole state cloud is lost, serve the fleet's state from the mirror the topology's stateMirror "
                    + "keeps: every stream and bucket keeps its name, its contents and its revisions; a write acknowledged before the "
                    + "loss is in it. Needs nats-server 2.12 or later and a majority of the fleet's NATS servers.",
                    "Only when the state cloud is truly gone: a state cloud cut off but alive would keep taking writes that the "
                            + "promoted copy does not see. Running it again after a failure goes on where it stopped."})
    static final class Promote implements Callable<Integer> {
        private static final java.time.Duration META_WAIT = java.time.Duration.ofMinutes(1);

        @Option(names = "--nats", required = true, paramLabel = "URL[,URL...]",
                description = "NATS servers of a cloud that is not lost, the mirror's for one")
        String nats;

        @Option(names = "--nats-seed", paramLabel = "FILE", description = "the fleet operator's NATS user nkey seed (SU...)")
        Path natsSeed;

        @Option(names = "--nats-ca", paramLabel = "FILE", description = "the PEM certificate authority of the fleet's NATS servers")
        Path natsCa;

        @Override
        public Integer call() {
            try (Engine engine = Engine.connect(new NatsAccess(nats, Optional.ofNullable(natsSeed), Optional.ofNullable(natsCa)),
                    "skyfn-state-promote")) {
                // the servers left elect a new meta leader first, if the lost cloud's server led
                engine.awaitJetStream(META_WAIT);
                List<String> promoted = new Promotion(engine.connection().jetStreamManagement(engine.jsOptions()),
                        step -> System.out.println("  " + step)).promoteAll();
                if (promoted.isEmpty()) {
                    throw new CliException("no mirror to promote: the topology names no stateMirror, or it was promoted already");
                }
                System.out.println("promoted " + promoted.size() + " streams and buckets: the fleet's state is served from the mirror's "
                        + "cloud.");
                System.out.println("now: in the topology, set `state:` to the mirror's cloud and name another `stateMirror:` (or none),"
                        + " then restart every node with it: nodes open their streams, queues and triggers again there.");
                return 0;
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                throw new CliException("cannot reach NATS at " + nats + ": " + e.getMessage());
            }
        }
    }
}
