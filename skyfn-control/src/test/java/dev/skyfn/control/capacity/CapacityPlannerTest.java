package dev.skyfn.control.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CapacityPlannerTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    /**
     * Clouds as {@code name:startupSeconds:room:coming[:pricePerHour[:cooling[:nodeMemoryMb]]]} (0.1 when not given; {@code cool} when the
     * market took a node back lately, {@code -} when not; nodes of 2048 MB when not given); shortfalls as
     * {@code app:missing:cloud/cloud|cloud[:memoryMb]} (affinity groups split by {@code ;}, best first; 128 MB a replica
     * when not given); idle nodes as {@code node:cloud:idleSeconds}, released after 30 s. The plan as
     * {@code +cloud:n} acquisitions and {@code -node} drains.
     */
    @ParameterizedTest(name = "{0} | {1} | {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // nothing short, nothing idle: nothing to do
            "vm:40:5:0 | - | - | -",
            // short of 2: the faster cloud first, though it is second in the app's preference
            "vm:40:5:0 container:5:5:0 | a:2:vm/container | - | +container:2",
            // the fast cloud has room for one: the rest from the next fastest
            "vm:40:5:0 container:5:1:0 | a:3:vm/container | - | +container:1 +vm:2",
            // nodes on their way count: one booting, so one more
            "vm:40:5:0 container:5:5:1 | a:2:container | - | +container:1",
            // an idle node in a cloud the app may use counts too, and is not drained
            "container:5:5:0 | a:1:container | n1:container:60 | -",
            // only the app's clouds: an idle node elsewhere neither helps nor stays
            "vm:40:5:0 container:5:5:0 | a:1:vm | n1:container:60 | +vm:1 -n1",
            // no room anywhere: nothing to ask for
            "vm:40:0:0 | a:2:vm | - | -",
            // two apps count on the same nodes, each one replica a node, as far as their memory goes
            "c:5:3:0 | a:2:c b:2:c | - | +c:2",
            "c:5:3:0 | a:2:c b:3:c | - | +c:3",
            // ... not beyond it: the room shared in their order
            "c:5:3:0:0.1:-:1024 | a:2:c:768 b:2:c:768 | - | +c:3",
            "c:5:5:0:0.1:-:1024 | a:2:c:512 b:2:c:512 c:1:c:512 | - | +c:3",
            // a node on its way, and an idle one, take a replica of each of two apps
            "c:5:3:1 | a:2:c b:2:c | - | +c:1",
            "c:5:3:0 | a:1:c b:2:c | n1:c:60 | +c:1",
            // idle long enough goes, not yet stays
            "c:5:3:0 | - | n1:c:30 n2:c:29 | -n1",
            // the first affinity group, however slow, before the next: its room first, then overflow
            "own:120:1:0 burst:5:5:0 | a:3:own;burst | - | +own:1 +burst:2",
            "own:120:0:0 burst:5:5:0 | a:2:own;burst | - | +burst:2",
            // a burst: fast dear capacity now, and as much cheap slow capacity for the load that stays
            "vm:40:5:0:0.1 container:5:5:0:0.3 | a:2:vm/container | - | +container:2 +vm:2",
            // the cheap cloud has room for one only
            "vm:40:1:0:0.1 container:5:5:0:0.3 | a:2:vm/container | - | +container:2 +vm:1",
            // not cheaper by a fifth: the fast capacity alone
            "vm:40:5:0:0.25 container:5:5:0:0.3 | a:2:vm/container | - | +container:2",
            // nodes on their way, fast and cheap alike, cover the need: nothing more
            "vm:40:3:2:0.1 container:5:3:2:0.3 | a:2:vm/container | - | -",
            // the burst grew: one fast and one cheap on their way for two missing: one more of each
            "vm:40:3:1:0.1 container:5:3:1:0.3 | a:2:vm/container | - | +container:1 +vm:1",
            // cheap nodes on their way do not absorb a burst: the fast cloud is asked all the same
            "vm:40:3:2:0.1 container:5:3:0:0.3 | a:2:vm/container | - | +container:2",
            // a spot market that took a node back lately: the next one, though it starts more slowly
            "spot-a:5:5:0:0.1:cool spot-b:10:5:0:0.1 | a:1:spot-a/spot-b | - | +spot-b:1",
            // the cooling market only for what no other has room for
            "spot-a:5:5:0:0.1:cool spot-b:10:1:0:0.1 | a:3:spot-a/spot-b | - | +spot-b:1 +spot-a:2",
            // every market cooling: the fastest all the same, rather than no capacity
            "spot-a:5:5:0:0.1:cool spot-b:10:5:0:0.1:cool | a:1:spot-a/spot-b | - | +spot-a:1",
            // spot-a's replacement: on demand is fast, and the other spot market, cheaper by far, holds the load that stays
            "spot-a:5:5:0:0.1:cool spot-b:40:5:0:0.1 od:5:5:0:0.5 | a:1:spot-a/spot-b/od | - | +od:1 +spot-b:1",
            // the cheap market cooling is never the steady cloud: the fast one alone
            "spot-a:40:5:0:0.1:cool od:5:5:0:0.5 | a:1:spot-a/od | - | +od:1",
    })
    void asksTheFastestCloudsAndGivesBackWhatIsIdle(String clouds, String shortfalls, String idle, String plan) {
        List<CapacityPlanner.CloudRoom> rooms = items(clouds).stream().map(c -> c.split(":"))
                .map(p -> new CapacityPlanner.CloudRoom(p[0], Duration.ofSeconds(Long.parseLong(p[1])),
                        p.length > 4 ? Double.parseDouble(p[4]) : 0.1, Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                        p.length > 5 && p[5].equals("cool"), p.length > 6 ? Integer.parseInt(p[6]) : 2048)).toList();
        List<CapacityPlanner.Shortfall> short_ = items(shortfalls).stream().map(s -> s.split(":"))
                .map(p -> new CapacityPlanner.Shortfall(p[0], p[0], Integer.parseInt(p[1]),
                        Arrays.stream(p[2].split(";")).map(g -> List.of(g.split("/"))).toList(),
                        p.length > 3 ? Integer.parseInt(p[3]) : 128)).toList();
        List<CapacityPlanner.Idle> idles = items(idle).stream().map(s -> s.split(":"))
                .map(p -> new CapacityPlanner.Idle(p[0], p[1], NOW.minusSeconds(Long.parseLong(p[2])))).toList();

        CapacityPlanner.Plan p = CapacityPlanner.plan(short_, rooms, idles, Duration.ofSeconds(30), NOW);

        List<String> got = new ArrayList<>();
        p.acquire().forEach(a -> got.add("+" + a.cloud() + ":" + a.nodes()));
        p.drain().forEach(d -> got.add("-" + d.node()));
        assertThat(String.join(" ", got)).isEqualTo(plan.equals("-") ? "" : plan);
    }

    private static List<String> items(String field) {
        return field.equals("-") ? List.of() : Arrays.asList(field.split(" "));
    }
}
