package dev.skyfn.core.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skyfn.core.Documents;
import dev.skyfn.core.Fields;
import dev.skyfn.core.Names;
import dev.skyfn.core.workflow.DefinitionReader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code skyfn.yaml}. Strict on purpose: an unknown or misspelt field is an
 * error naming the field, never silently ignored.
 */
public final class ManifestReader {

    private static final ObjectMapper YAML = Documents.YAML;
    private static final ObjectMapper JSON = Documents.JSON;
    private static final Set<String> APP_FIELDS = Set.of("app", "memory", "functions", "workflows", "placement", "network",
            "shareSandbox", "scaling", "runtime", "env", "metering");
    /** The Java an app's sandbox runs: the one offered. */
    public static final String RUNTIME = "java25";
    private static final Set<String> FUNCTION_FIELDS =
            Set.of("handler", "memory", "timeout", "concurrency", "queue", "keepWarm", "url", "idempotent", "verify", "priority", "env", "triggers");
    /** A binary class name, with a {@code ::method} as AWS Lambda's handler strings may have. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*(::[\\p{L}_$][\\p{L}\\p{N}_$]*)?");
    private static final int MIN_MEMORY_MB = 32;
    private static final int MAX_MEMORY_MB = 16_384;
    private static final int MAX_FUNCTIONS = 1_000;
    private static final int MAX_WORKFLOWS = 100;
    private static final Set<String> SCALING_FIELDS = Set.of("target", "min", "max", "window", "scaleToZeroAfter", "scaleDownDelay",
            "onDemandFloor");
    private static final int MAX_SCALE = 10_000;
    static final int MAX_WORKFLOW_FILE_BYTES = 1 << 20;

    /** The files of the package a manifest comes in, for the workflows it names by file. */
    @FunctionalInterface
    public interface PackageFiles {
        /** The file at {@code path} inside the package, if there is one. */
        Optional<byte[]> read(String path);

        PackageFiles NONE = path -> Optional.empty();
    }

    private ManifestReader() {
    }

    public static Manifest read(byte[] yaml) {
        return read(yaml, PackageFiles.NONE);
    }

    /** Reads a manifest whose workflows may be in files of its package. */
    public static Manifest read(byte[] yaml, PackageFiles files) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new ManifestException("not valid YAML: " + Documents.why(e));
        } catch (java.io.IOException e) {
            throw new ManifestException("unreadable: " + e.getMessage());
        }
        Fields app = Fields.of(root, "", "a mapping with 'app' and 'functions'", ManifestException::new).only(APP_FIELDS);
        String name = app.text("app");
        if (!Names.isAppName(name)) {
            throw new ManifestException("app: '" + name
                    + "' is not a valid app name (lower case letters, digits and '-', starting with a letter, at most 63)");
        }
        if (app.has("runtime") && !app.text("runtime").equals(RUNTIME)) {
            throw new ManifestException("runtime: '" + app.text("runtime") + "' is not offered: apps run on Java 25 ('" + RUNTIME
                    + "', the default). Code built for Java 17 or 21 runs on it unchanged unless it relies on what later Javas "
                    + "removed (the Security Manager, finalization, Thread.stop…): test it on Java 25, then deploy with runtime: " + RUNTIME);
        }
        Map<String, FunctionSpec> functions = functions(name, app.get("functions"));
        int memory = app.has("memory")
                ? app.integer("memory", 0, MIN_MEMORY_MB, MAX_MEMORY_MB)
                : functions.values().stream().mapToInt(FunctionSpec::memoryMb).max().orElseThrow();
        PlacementSpec placement = PlacementReader.read(app);
        Optional<ScalingSpec> scaling = scaling(app, placement);
        if (scaling.isPresent()) {
            placement = placement.withOnDemandFloor(app.object("scaling", "a mapping").integer("onDemandFloor", 0, 0, scaling.get().max()));
        }
        Map<String, String> env = EnvVars.check(app.textMap("env"), "env");
        checkEnvSizes(env, functions, placement);
        return new Manifest(name, memory, functions, workflows(app.get("workflows"), functions.keySet(), files),
                placement, app.choice("network", Network.class, Network.OUTBOUND),
                app.bool("shareSandbox", true), scaling, env, app.choice("metering", MeteringLevel.class, MeteringLevel.CALLS));
    }

    /** Each function's variables, with the app's and every cloud's overrides, within {@link EnvVars#MAX_BYTES}. */
    private static void checkEnvSizes(Map<String, String> env, Map<String, FunctionSpec> functions, PlacementSpec placement) {
        Map<String, String> overrides = new LinkedHashMap<>();
        placement.overrides().forEach(o -> overrides.putAll(o.env()));
        for (FunctionSpec f : functions.values()) {
            Map<String, String> all = new LinkedHashMap<>(env);
            all.putAll(f.env());
            all.putAll(overrides);
            EnvVars.checkSize(all, "functions." + f.name() + ".env (with the app's and the placement's overrides')");
        }
    }

    /**
     * The {@code scaling} mapping (Knative KPA's settings). It scales the replicas a placement
     * divides among clouds; duplicated replicas are a count per cloud, which it does not change.
     */
    private static Optional<ScalingSpec> scaling(Fields app, PlacementSpec placement) {
        if (!app.has("scaling")) {
            return Optional.empty();
        }
        Fields s = app.object("scaling", "a mapping with target, min and max").only(SCALING_FIELDS);
        if (placement.scheduling() == PlacementSpec.Scheduling.DUPLICATED) {
            throw app.fail("scaling", "scales replicas divided among clouds; placement.scheduling is duplicated");
        }
        int min = s.integer("min", 0, 0, MAX_SCALE);
        int max = s.integer("max", MAX_SCALE, 1, MAX_SCALE);
        if (max < min) {
            throw s.fail("max", max + " is less than min " + min);
        }
        Duration window = s.duration("window", ScalingSpec.DEFAULT_WINDOW, Duration.ofSeconds(6), Duration.ofHours(1));
        return Optional.of(new ScalingSpec(s.integer("target", ScalingSpec.DEFAULT_TARGET, 1, 100_000), min, max, window,
                s.duration("scaleToZeroAfter", ScalingSpec.DEFAULT_SCALE_TO_ZERO_AFTER, Duration.ZERO, Duration.ofHours(24)),
                s.duration("scaleDownDelay", Duration.ZERO, Duration.ZERO, Duration.ofHours(1))));
    }

    /**
     * The {@code workflows} mapping: each name to its Amazon States Language definition, inline or
     * the path of a JSON or YAML file in the package.
     */
    private static Map<String, WorkflowSpec> workflows(JsonNode node, Set<String> functions, PackageFiles files) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!(node instanceof ObjectNode wfs)) {
            throw new ManifestException("workflows: expected a mapping of workflow names to definitions or definition files");
        }
        if (wfs.size() > MAX_WORKFLOWS) {
            throw new ManifestException("workflows: at most " + MAX_WORKFLOWS + " workflows per app");
        }
        Map<String, WorkflowSpec> workflows = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wfs.properties()) {
            String at = "workflows." + e.getKey();
            if (!Names.isFunctionName(e.getKey())) {
                throw new ManifestException(at + ": '" + e.getKey()
                        + "' is not a valid workflow name (letters, digits, '-' and '_', starting with a letter, at most 63)");
            }
            JsonNode definition = e.getValue();
            if (definition.isTextual()) {
                at += " (" + definition.asText() + ")";
                definition = workflowFile(definition.asText(), files, at);
            }
            try {
                workflows.put(e.getKey(), new WorkflowSpec(e.getKey(), DefinitionReader.read(definition, functions),
                        JSON.writeValueAsString(definition)));
            } catch (IllegalArgumentException invalid) {
                throw new ManifestException(at + ": " + invalid.getMessage());
            } catch (JacksonException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return workflows;
    }

    private static JsonNode workflowFile(String path, PackageFiles files, String at) {
        byte[] bytes = files.read(path).orElseThrow(() -> new ManifestException(at + ": no such file in the package"));
        if (bytes.length > MAX_WORKFLOW_FILE_BYTES) {
            throw new ManifestException(at + ": larger than 1 MiB");
        }
        try {
            return (path.endsWith(".json") ? JSON : YAML).readTree(bytes);
        } catch (JacksonException e) {
            throw new ManifestException(at + ": not valid " + (path.endsWith(".json") ? "JSON" : "YAML") + ": " + Documents.why(e));
        } catch (java.io.IOException e) {
            throw new ManifestException(at + ": unreadable: " + e.getMessage());
        }
    }

    private static Map<String, FunctionSpec> functions(String app, JsonNode node) {
        if (!(node instanceof ObjectNode fns) || fns.isEmpty()) {
            throw new ManifestException("functions: expected a mapping of at least one function name to its settings");
        }
        if (fns.size() > MAX_FUNCTIONS) {
            throw new ManifestException("functions: at most " + MAX_FUNCTIONS + " functions per app");
        }
        Map<String, FunctionSpec> functions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fns.properties()) {
            functions.put(e.getKey(), function(app, e.getKey(), e.getValue()));
        }
        return functions;
    }

    private static FunctionSpec function(String app, String name, JsonNode node) {
        String at = "functions." + name;
        if (!Names.isFunctionName(name)) {
            throw new ManifestException(at + ": '" + name
                    + "' is not a valid function name (letters, digits, '-' and '_', starting with a letter, at most 63)");
        }
        Fields fn = Fields.of(node, at, "a mapping with at least 'handler'", ManifestException::new).only(FUNCTION_FIELDS);
        String handler = fn.text("handler");
        if (!CLASS_NAME.matcher(handler).matches()) {
            throw new ManifestException(at + ".handler: '" + handler + "' is not a Java class name (or Class::method)");
        }
        return new FunctionSpec(name, handler,
                fn.integer("memory", FunctionSpec.DEFAULT_MEMORY_MB, MIN_MEMORY_MB, MAX_MEMORY_MB),
                fn.duration("timeout", FunctionSpec.DEFAULT_TIMEOUT, Duration.ofMillis(1), FunctionSpec.MAX_TIMEOUT),
                fn.integer("concurrency", FunctionSpec.DEFAULT_CONCURRENCY, 1, 10_000),
                fn.integer("queue", FunctionSpec.DEFAULT_QUEUE, 0, 100_000),
                fn.duration("keepWarm", FunctionSpec.DEFAULT_KEEP_WARM, Duration.ZERO, FunctionSpec.MAX_KEEP_WARM),
                urlAccess(fn, at + "."),
                fn.bool("idempotent", false),
                fn.choice("verify", Verify.class, Verify.NONE),
                fn.choice("priority", Priority.class, Priority.ONLINE),
                EnvVars.check(fn.textMap("env"), at + ".env"),
                TriggerReader.read(app, name, fn.get("triggers"), at + ".triggers"));
    }

    private static UrlAccess urlAccess(Fields node, String at) {
        JsonNode v = node.get("url");
        if (v == null) {
            return UrlAccess.PRIVATE;
        }
        if (v.isBoolean() && !v.booleanValue()) {
            return UrlAccess.OFF; // YAML 1.1 reads a bare 'off' as false
        }
        try {
            return UrlAccess.valueOf(v.asText().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ManifestException(at + "url: '" + v.asText() + "' is not one of public, private, off");
        }
    }
}
