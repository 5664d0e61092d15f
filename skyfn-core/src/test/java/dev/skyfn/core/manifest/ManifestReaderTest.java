package dev.skyfn.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {

    private static Manifest read(String yaml) {
        return ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(String yaml, String messagePart) {
        assertThatThrownBy(() -> read(yaml))
                .isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.MANIFEST_INVALID))
                .hasMessageContaining(messagePart);
    }

    @Test
    void fillsDefaultsForAMinimalFunction() {
        Manifest m = read("""
                app: hello
                functions:
                  hello:
                    handler: com.example.Hello
                """);
        FunctionSpec fn = m.functions().get("hello");
        assertThat(m.app()).isEqualTo("hello");
        assertThat(fn.handler()).isEqualTo("com.example.Hello");
        assertThat(fn.timeout()).isEqualTo(FunctionSpec.DEFAULT_TIMEOUT);
        assertThat(fn.concurrency()).isEqualTo(FunctionSpec.DEFAULT_CONCURRENCY);
        assertThat(fn.url()).isEqualTo(UrlAccess.PRIVATE);
        assertThat(fn.idempotent()).as("a call is never run twice unless the function says it may be").isFalse();
        assertThat(fn.priority()).as("a caller waits for a function unless it says otherwise").isEqualTo(Priority.ONLINE);
        assertThat(m.batch()).isFalse();
        assertThat(m.memoryMb()).isEqualTo(FunctionSpec.DEFAULT_MEMORY_MB);
    }

    @Test
    void readsEverySetting() {
        Manifest m = read("""
                app: shop
                functions:
                  order:
                    handler: shop.Order
                    memory: 512
                    timeout: 1500ms
                    concurrency: 8
                    queue: 0
                    keepWarm: 2m
                    url: public
                    idempotent: true
                  report:
                    handler: shop.Report
                    memory: 128
                    url: off
                    priority: batch
                """);
        FunctionSpec order = m.functions().get("order");
        assertThat(order.memoryMb()).isEqualTo(512);
        assertThat(order.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(order.concurrency()).isEqualTo(8);
        assertThat(order.queue()).isZero();
        assertThat(order.keepWarm()).isEqualTo(Duration.ofMinutes(2));
        assertThat(order.url()).isEqualTo(UrlAccess.PUBLIC);
        assertThat(order.idempotent()).isTrue();
        assertThat(m.functions().get("report").url()).isEqualTo(UrlAccess.OFF);
        assertThat(m.functions().get("report").priority()).isEqualTo(Priority.BATCH);
        assertThat(m.batch()).as("an app with an online function is not batch work").isFalse();
        assertThat(m.functions().keySet()).containsExactly("order", "report");
        assertThat(m.memoryMb()).as("the largest function's memory").isEqualTo(512);
        assertThat(m.keepWarm()).isEqualTo(FunctionSpec.DEFAULT_KEEP_WARM);
    }

    @Test
    void appMemoryOverridesTheFunctions() {
        assertThat(read("""
                app: a
                memory: 1024
                functions: {f: {handler: x.F, memory: 64}}
                """).memoryMb()).isEqualTo(1024);
    }

    @Test
    void refusesWhatIsNotYaml() {
        assertRefused("app: [unclosed", "not valid YAML");
    }

    @Test
    void refusesAFunctionNamedTwiceInsteadOfKeepingTheLast() {
        assertRefused("""
                app: a
                functions:
                  f: {handler: x.F}
                  f: {handler: x.G}
                """, "not valid YAML: key 'f' appears twice (line 4)");
        assertRefused("app: a\napp: b\nfunctions: {f: {handler: x.F}}", "key 'app' appears twice");
    }

    @Test
    void refusesAMissingApp() {
        assertRefused("functions: {f: {handler: x.F}}", "app: missing");
    }

    @Test
    void refusesABadAppName() {
        assertRefused("app: Hello_World\nfunctions: {f: {handler: x.F}}", "not a valid app name");
    }

    @Test
    void refusesAnAppWithoutFunctions() {
        assertRefused("app: a\nfunctions: {}", "functions: expected a mapping");
    }

    @Test
    void namesAMisspeltField() {
        assertRefused("app: a\nfunctions: {f: {handler: x.F, memroy: 64}}", "functions.f.memroy: unknown field");
    }

    @Test
    void namesAMissingHandler() {
        assertRefused("app: a\nfunctions: {f: {memory: 64}}", "functions.f.handler: missing");
    }

    @Test
    void offersJava25AsTheRuntimeAndSaysWhyNotAnother() {
        ManifestReader.read("app: a\nruntime: java25\nfunctions: {f: {handler: x.F}}".getBytes(StandardCharsets.UTF_8));
        assertRefused("app: a\nruntime: java21\nfunctions: {f: {handler: x.F}}",
                "runtime: 'java21' is not offered: apps run on Java 25 ('java25', the default)");
        assertRefused("app: a\nruntime: python3.12\nfunctions: {f: {handler: x.F}}", "'python3.12' is not offered");
    }

    @Test
    void refusesAHandlerThatIsNotAClassName() {
        assertRefused("app: a\nfunctions: {f: {handler: 'x..F'}}", "functions.f.handler: 'x..F' is not a Java class name");
        assertRefused("app: a\nfunctions: {f: {handler: 'x.F::'}}", "functions.f.handler: 'x.F::' is not a Java class name (or Class::method)");
        assertRefused("app: a\nfunctions: {f: {handler: 'x.F::a::b'}}", "is not a Java class name");
    }

    @Test
    void readsAHandlerAsLambdaWritesItWithItsMethod() {
        FunctionSpec fn = ManifestReader.read("app: a\nfunctions: {f: {handler: 'example.Orders::handleRequest'}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).functions().get("f");
        assertThat(fn.handlerClass()).isEqualTo("example.Orders");
        assertThat(fn.handlerMethod()).hasValue("handleRequest");
        FunctionSpec plain = ManifestReader.read("app: a\nfunctions: {f: {handler: example.Orders}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).functions().get("f");
        assertThat(plain.handlerClass()).isEqualTo("example.Orders");
        assertThat(plain.handlerMethod()).isEmpty();
    }

    @Test
    void refusesOutOfRangeNumbers() {
        assertRefused("app: a\nfunctions: {f: {handler: x.F, memory: 1}}", "functions.f.memory: 1 is out of range");
        assertRefused("app: a\nfunctions: {f: {handler: x.F, concurrency: many}}", "functions.f.concurrency: expected a whole number");
        assertRefused("app: a\nfunctions: {f: {handler: x.F, timeout: 1h}}", "functions.f.timeout: 1h is out of range");
        assertRefused("app: a\nfunctions: {f: {handler: x.F, timeout: soon}}", "not a duration");
    }

    @Test
    void refusesAnIdempotentThatIsNotTrueOrFalse() {
        assertRefused("app: a\nfunctions: {f: {handler: x.F, idempotent: sometimes}}", "functions.f.idempotent: expected true or false");
    }

    @Test
    void anAppIsBatchWorkOnlyWhenEveryFunctionIs() {
        assertThat(read("app: a\nfunctions: {f: {handler: x.F, priority: batch}, g: {handler: x.G, priority: batch}}").batch()).isTrue();
        assertThat(read("app: a\nfunctions: {f: {handler: x.F, priority: batch}, g: {handler: x.G, priority: online}}").batch()).isFalse();
        assertRefused("app: a\nfunctions: {f: {handler: x.F, priority: low}}", "functions.f.priority: 'low' is not one of online, batch");
    }

    @Test
    void refusesAnUnknownUrlAccess() {
        assertRefused("app: a\nfunctions: {f: {handler: x.F, url: everyone}}", "functions.f.url: 'everyone'");
    }

    private static final String TWO_FUNCTIONS = """
            app: images
            functions:
              resize:
                handler: img.Resize
              store:
                handler: img.Store
            """;

    @Test
    void readsAnInlineWorkflow() {
        Manifest m = read(TWO_FUNCTIONS + """
                workflows:
                  pipeline:
                    StartAt: Resize
                    States:
                      Resize: {Type: Task, Resource: resize, Next: Store}
                      Store: {Type: Task, Resource: store, End: true}
                """);
        WorkflowSpec pipeline = m.workflows().get("pipeline");
        assertThat(pipeline.definition().startAt()).isEqualTo("Resize");
        assertThat(pipeline.definition().states()).containsOnlyKeys("Resize", "Store");
        assertThat(pipeline.json()).contains("\"StartAt\":\"Resize\"");
    }

    @Test
    void readsAWorkflowFromAFileOfThePackage() {
        String json = """
                {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "store", "End": true}}}
                """;
        Manifest m = ManifestReader.read((TWO_FUNCTIONS + "workflows:\n  save: flows/save.json\n").getBytes(StandardCharsets.UTF_8),
                path -> path.equals("flows/save.json") ? java.util.Optional.of(json.getBytes(StandardCharsets.UTF_8)) : java.util.Optional.empty());
        assertThat(m.workflows().get("save").definition().startAt()).isEqualTo("S");
    }

    @Test
    void refusesABadWorkflowNamingTheWorkflowStateAndField() {
        assertRefused(TWO_FUNCTIONS + """
                workflows:
                  pipeline:
                    StartAt: Resize
                    States:
                      Resize: {Type: Task, Resource: resize, Next: Stroe}
                      Store: {Type: Task, Resource: store, End: true}
                """, "workflows.pipeline: state \"Resize\": Next 'Stroe' is not a state");
        assertRefused(TWO_FUNCTIONS + "workflows:\n  save: flows/missing.json\n", "workflows.save (flows/missing.json): no such file");
        assertRefused(TWO_FUNCTIONS + "workflows:\n  -bad: {}\n", "'-bad' is not a valid workflow name");
    }

    @Test
    void readsAPlacementInKarmadasTerms() {
        Manifest m = read(TWO_FUNCTIONS + """
                placement:
                  affinity:
                    - {name: own, labels: {tier: private}}
                    - {name: burst, clouds: [spot-eu, ondemand-us]}
                  require: {trust: trusted, hardware: gpu, maxLatency: {from: eu, ms: 50}, maxPrice: 0.00002}
                  spread: {minClouds: 2, maxClouds: 3}
                  replicas: 4
                  weights: {spot-eu: 2, ondemand-us: 1}
                  overrides:
                    - {labels: {pricing: spot}, memory: 512, env: {CHECKPOINT: often}}
                """);
        PlacementSpec p = m.placement();
        assertThat(p.affinity()).extracting(PlacementSpec.AffinityGroup::name).containsExactly("own", "burst");
        assertThat(p.affinity().get(1).selector().clouds()).containsExactlyInAnyOrder("spot-eu", "ondemand-us");
        assertThat(p.require().trust()).isEqualTo(dev.skyfn.core.cloud.Trust.TRUSTED);
        assertThat(p.require().hardware()).containsExactly("gpu");
        assertThat(p.require().maxLatency()).contains(new PlacementSpec.MaxLatency("eu", 50));
        assertThat(p.require().maxPrice()).hasValue(0.00002);
        assertThat(p.minClouds()).isEqualTo(2);
        assertThat(p.maxClouds()).isEqualTo(3);
        assertThat(p.replicas()).isEqualTo(4);
        assertThat(p.scheduling()).isEqualTo(PlacementSpec.Scheduling.DIVIDED);
        assertThat(p.weights().staticWeights()).containsEntry("spot-eu", 2).containsEntry("ondemand-us", 1);
        assertThat(p.overrides().get(0).memoryMb()).hasValue(512);
        assertThat(p.overrides().get(0).env()).containsEntry("CHECKPOINT", "often");
    }

    @Test
    void givesEachFunctionTheAppsVariablesUnderItsOwnUnderItsClouds() {
        Manifest m = read("""
                app: shop
                env: {TABLE: orders, LOG_LEVEL: info, RETRIES: 3, ON: true}
                functions:
                  api: {handler: a.Api, env: {LOG_LEVEL: debug}}
                  job: {handler: a.Job}
                placement:
                  overrides:
                    - {clouds: [local], env: {RETRIES: 5}}
                    - {clouds: [local], memory: 512}
                    - {clouds: [elsewhere], env: {TABLE: never}}
                """);
        var local = dev.skyfn.core.cloud.Topology.local(1, 1024).clouds().getFirst();
        assertThat(m.environment(m.functions().get("api"), local))
                .containsExactly(java.util.Map.entry("TABLE", "orders"), java.util.Map.entry("LOG_LEVEL", "debug"),
                        java.util.Map.entry("RETRIES", "5"), java.util.Map.entry("ON", "true"));
        assertThat(m.environment(m.functions().get("job"), local)).containsEntry("LOG_LEVEL", "info").containsEntry("RETRIES", "5");
        assertThat(m.environment(local)).containsEntry("LOG_LEVEL", "info").containsEntry("RETRIES", "5").hasSize(4);
        assertThat(m.placement().memoryOn(local, 128)).isEqualTo(512);
        assertThat(read(TWO_FUNCTIONS).environment(local)).isEmpty();
    }

    @Test
    void refusesVariablesLambdaWouldRefuse() {
        assertRefused("app: a\nenv: {1ST: x}\nfunctions: {f: {handler: a.F}}\n", "env.1ST: not a variable name");
        assertRefused("app: a\nfunctions: {f: {handler: a.F, env: {AWS_REGION: us-east-1}}}\n",
                "functions.f.env.AWS_REGION: reserved: AWS Lambda or Cloud Functions keep this name");
        assertRefused("app: a\nfunctions: {f: {handler: a.F, env: {K: [1]}}}\n", "functions.f.env.K: expected a single value");
        assertRefused(TWO_FUNCTIONS + "placement: {overrides: [{clouds: [a], env: {_HANDLER: x}}]}\n",
                "placement.overrides[0].env._HANDLER: reserved");
        String big = "x".repeat(EnvVars.MAX_BYTES);
        assertRefused("app: a\nenv: {A: " + big + "}\nfunctions: {f: {handler: a.F}}\n",
                "functions.f.env (with the app's and the placement's overrides'): 4097 bytes of environment variables, more than the 4096");
    }

    @Test
    void aFunctionsResultsAreVerifiedOnlyWhenItSaysSo() {
        assertThat(read(TWO_FUNCTIONS).functions().values()).allMatch(f -> f.verify() == Verify.NONE);
        Manifest m = read("app: shop\nfunctions: {price: {handler: a.Price, verify: redundant}}\n");
        assertThat(m.functions().get("price").verify()).isEqualTo(Verify.REDUNDANT);
        assertRefused("app: shop\nfunctions: {price: {handler: a.Price, verify: twice}}\n",
                "functions.price.verify: 'twice' is not one of none, redundant");
    }

    @Test
    void anAppReachesTheOutsideUnlessItsNetworkIsNone() {
        assertThat(read(TWO_FUNCTIONS).network()).isEqualTo(Network.OUTBOUND);
        assertThat(read(TWO_FUNCTIONS + "network: none\n").network()).isEqualTo(Network.NONE);
        assertThat(read(TWO_FUNCTIONS + "network: outbound\n").network()).isEqualTo(Network.OUTBOUND);
        assertRefused(TWO_FUNCTIONS + "network: host\n", "network: 'host' is not one of outbound, none");
    }

    @Test
    void anAppIsMeteredByItsCallsUnlessItAsksForUsefulWork() {
        assertThat(read(TWO_FUNCTIONS).metering()).isEqualTo(MeteringLevel.CALLS);
        assertThat(read(TWO_FUNCTIONS + "metering: useful-work\n").metering()).isEqualTo(MeteringLevel.USEFUL_WORK);
        assertRefused(TWO_FUNCTIONS + "metering: blocks\n", "metering: 'blocks' is not one of calls, useful-work");
    }

    @Test
    void anAppWithoutPlacementGetsOneReplicaOnTheBestCloud() {
        assertThat(read(TWO_FUNCTIONS).placement()).isEqualTo(PlacementSpec.DEFAULT);
    }

    @Test
    void refusesABadPlacementNamingTheField() {
        assertRefused(TWO_FUNCTIONS + "placement: {replica: 2}\n", "placement.replica: unknown field");
        assertRefused(TWO_FUNCTIONS + "placement: {scheduling: duplicated, weights: capacity}\n",
                "placement.weights: only divided replicas are weighted");
        assertRefused(TWO_FUNCTIONS + "placement: {spread: {minClouds: 3, maxClouds: 2}}\n",
                "placement.spread.maxClouds: 2 is less than minClouds 3");
        assertRefused(TWO_FUNCTIONS + "placement: {affinity: [{name: x}]}\n", "placement.affinity[0].clouds: a group needs clouds or labels");
        assertRefused(TWO_FUNCTIONS + "placement: {overrides: [{clouds: a}]}\n", "placement.overrides[0].memory: a rule needs memory or env");
        assertRefused(TWO_FUNCTIONS + "placement: {require: {trust: total}}\n",
                "placement.require.trust: 'total' is not one of untrusted, trusted, tee");
        assertRefused(TWO_FUNCTIONS + "placement: {require: {maxLatency: {from: eu}}}\n", "placement.require.maxLatency.ms: missing");
        assertRefused(TWO_FUNCTIONS + "placement: {weights: {a: 0}}\n", "placement.weights: at least one cloud needs a weight above zero");
    }

    @Test
    void readsScalingInKnativesTerms() {
        assertThat(read(TWO_FUNCTIONS).scaling()).isEmpty();
        ScalingSpec s = read(TWO_FUNCTIONS + "scaling: {target: 50, min: 0, max: 20}\n").scaling().orElseThrow();
        assertThat(s).isEqualTo(new ScalingSpec(50, 0, 20, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ZERO));
        assertThat(s.panicWindow()).isEqualTo(Duration.ofSeconds(6));
        ScalingSpec all = read(TWO_FUNCTIONS + "scaling: {target: 5, min: 1, max: 3, window: 10s, scaleToZeroAfter: 0s, scaleDownDelay: 2m}\n")
                .scaling().orElseThrow();
        assertThat(all).isEqualTo(new ScalingSpec(5, 1, 3, Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(2)));
        assertThat(all.panicWindow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(read(TWO_FUNCTIONS + "scaling: {}\n").scaling().orElseThrow().target()).isEqualTo(ScalingSpec.DEFAULT_TARGET);
    }

    @Test
    void anOnDemandFloorIsReadIntoThePlacement() {
        assertThat(read(TWO_FUNCTIONS).placement().onDemandFloor()).isZero();
        assertThat(read(TWO_FUNCTIONS + "scaling: {max: 5}\n").placement().onDemandFloor()).isZero();
        assertThat(read(TWO_FUNCTIONS + "scaling: {max: 5, onDemandFloor: 2}\n").placement().onDemandFloor()).isEqualTo(2);
        assertRefused(TWO_FUNCTIONS + "scaling: {max: 5, onDemandFloor: 6}\n", "scaling.onDemandFloor: 6 is out of range 0..5");
        assertRefused(TWO_FUNCTIONS + "placement: {onDemandFloor: 1}\n", "placement.onDemandFloor: unknown field");
    }

    @Test
    void refusesBadScalingNamingTheField() {
        assertRefused(TWO_FUNCTIONS + "scaling: {target: 0}\n", "scaling.target: 0 is out of range 1..100000");
        assertRefused(TWO_FUNCTIONS + "scaling: {min: 3, max: 2}\n", "scaling.max: 2 is less than min 3");
        assertRefused(TWO_FUNCTIONS + "scaling: {window: 1s}\n", "scaling.window: 1s is out of range");
        assertRefused(TWO_FUNCTIONS + "scaling: {targt: 3}\n", "scaling.targt: unknown field");
        assertRefused(TWO_FUNCTIONS + "scaling: 3\n", "scaling");
        assertRefused(TWO_FUNCTIONS + "placement: {scheduling: duplicated}\nscaling: {max: 3}\n",
                "scaling: scales replicas divided among clouds; placement.scheduling is duplicated");
    }
}
