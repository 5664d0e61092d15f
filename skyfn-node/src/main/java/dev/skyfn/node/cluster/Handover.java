package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.workflow.Execution;
import dev.skyfn.node.workflow.Executions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When an app leaves this node — moved for price, migrated, off a node its cloud takes back,
 * scaled in — its running workflow executions go to a node that serves it, at a step boundary:
 * each run here stops once it records its next step ({@link #STEP_WAIT} at most), its steps are
 * backed up, and this node hands the execution to the first live node serving the app that is
 * not leaving ({@link Takeover#handOver}), which runs it on from its recorded steps; no recorded
 * step runs again. Ownership passes by compare-and-set, as in a takeover, so an execution has one
 * owner throughout. A node that has not taken them on within {@link #ADOPT_WAIT} is passed over
 * for the next, and all of them are tried again in turn; meanwhile the executions wait here,
 * stopped and owned by this node (taken over as usual should it die), or run on here if the app
 * is placed here again.
 */
final class Handover {

    private static final Logger LOG = LoggerFactory.getLogger(Handover.class);
    /** How long a run may take to reach its next step before it is stopped mid-step (that step then runs again on the heir). */
    static final Duration STEP_WAIT = Duration.ofSeconds(10);
    /** How long an heir has to take executions on, and how long an app that left may have no node serving it. */
    static final Duration ADOPT_WAIT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String self;
    private final NodeDirectory directory;
    private final Takeover takeover;
    private final Executions executions;
    /** Whether an app is still deployed (not removed by its tenant). */
    private final Predicate<AppKey> deployed;
    /** Whether this node serves an app (again). */
    private final Predicate<AppKey> servedHere;

    Handover(String self, NodeDirectory directory, Takeover takeover, Executions executions, Predicate<AppKey> deployed,
             Predicate<AppKey> servedHere) {
        this.servedHere = servedHere;
        this.self = self;
        this.directory = directory;
        this.takeover = takeover;
        this.executions = executions;
        this.deployed = deployed;
    }

    /** The app no longer runs here: its running executions go to a node that serves it. */
    void appLeft(AppKey app) {
        if (!executions.runs(app)) {
            return;
        }
        try {
            Set<String> passedOver = new HashSet<>();
            Optional<String> first = awaitHeir(app, passedOver);
            if (first.isEmpty()) {
                return; // no node serves it (removed, say): the runs go on where they are
            }
            List<Execution> left = executions.pause(app, STEP_WAIT);
            Optional<String> heir = first;
            while (!left.isEmpty()) {
                if (servedHere.test(app) || !deployed.test(app)) {
                    // placed here again meanwhile, or removed: they run on here (a removed app's fail as its calls do)
                    LOG.info("{} running executions of {} run on here", left.size(), app);
                    left.forEach(executions::keep);
                    return;
                }
                if (heir.isPresent()) {
                    takeover.handOver(app, heir.get());
                    left = awaitTaken(left);
                    if (left.isEmpty()) {
                        LOG.info("handed the running executions of {} to {}", app, heir.get());
                        return;
                    }
                    LOG.warn("{} did not take on the running executions of {}; trying another node", heir.get(), app);
                    passedOver.add(heir.get());
                } else {
                    passedOver.clear(); // every node serving it was tried: try them again
                }
                heir = awaitHeir(app, passedOver);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("the executions of {} are not handed over ({}); they wait here, and are taken over should this node die",
                    app, e.getMessage());
        }
    }

    /** The first live node, by name, serving {@code app} and not leaving, once there is one; empty when none comes in time. */
    private Optional<String> awaitHeir(AppKey app, Set<String> passedOver) throws InterruptedException {
        long deadline = System.nanoTime() + ADOPT_WAIT.toNanos();
        while (deployed.test(app)) {
            Optional<String> heir = heirs(directory, self, app).stream().filter(n -> !passedOver.contains(n)).findFirst();
            if (heir.isPresent() || System.nanoTime() > deadline) {
                return heir;
            }
            Thread.sleep(POLL);
        }
        return Optional.empty();
    }

    /** The live nodes but {@code self}, by name, that serve {@code app} and are not leaving: those it may go on on. */
    static List<String> heirs(NodeDirectory directory, String self, AppKey app) {
        String served = app + "@";
        return directory.members().stream()
                .filter(m -> m.alive() && !m.report().leaving() && !m.report().node().equals(self))
                .filter(m -> m.report().apps().stream().anyMatch(a -> a.startsWith(served)))
                .map(m -> m.report().node()).toList();
    }

    /** Those of {@code paused} still running that no other node has taken on within {@link #ADOPT_WAIT}. */
    private List<Execution> awaitTaken(List<Execution> paused) throws InterruptedException {
        List<Execution> left = new ArrayList<>(paused);
        long deadline = System.nanoTime() + ADOPT_WAIT.toNanos();
        while (true) {
            // one whose run ended just as it was stopped ended here, and is no other node's to take
            left.removeIf(e -> e.status() != Execution.Status.RUNNING || executions.handedOver(e));
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(POLL);
        }
    }
}
