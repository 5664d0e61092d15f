package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.Message;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the node counts of a sandbox's report of its direct calls: at most what the routes to the slot allow. */
class DirectCallLoadTest {

    @ParameterizedTest(name = "routes {0}, callers gone {1}, reported {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // caller:most in flight, for slot 1
            "7:16      | -   | 3    | 3",
            "7:16      | -   | 40   | 16",
            "7:16 8:16 | -   | 40   | 32",
            "7:16 8:16 | 8   | 40   | 16",
            "7:16 8:16 | 7 8 | 40   | 0",
            // a route given again replaces the caller's allowance
            "7:16 7:4  | -   | 40   | 4",
            // no route to the slot: nothing direct can run there
            "-         | -   | 5    | 0",
            "7:16      | -   | 0    | 0",
    })
    void aSlotsDirectCallsAreAtMostWhatItsRoutesAllow(String routes, String gone, int reported, int counted) {
        var load = new DirectCallLoad();
        if (!routes.equals("-")) {
            for (String route : routes.split(" ")) {
                String[] r = route.split(":");
                load.allow(1, Long.parseLong(r[0]), Integer.parseInt(r[1]));
            }
        }
        load.allow(2, 9, 1000); // another slot's route allows slot 1 nothing
        if (!gone.equals("-")) {
            for (String caller : gone.split(" ")) {
                load.forget(Long.parseLong(caller));
            }
        }
        load.allow(4, 9, 1000);
        load.reported(new Message.Concurrency(List.of(new Message.Concurrency.SlotCalls(1, reported), new Message.Concurrency.SlotCalls(3, 9),
                new Message.Concurrency.SlotCalls(4, 9))), slot -> slot != 4);
        assertThat(load.inFlight(1)).isEqualTo(counted);
        assertThat(load.inFlight(3)).as("a slot no route leads to").isZero();
        assertThat(load.inFlight(4)).as("a slot that holds no app").isZero();
    }
}
