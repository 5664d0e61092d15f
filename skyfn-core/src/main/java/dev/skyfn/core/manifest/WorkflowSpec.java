package dev.skyfn.core.manifest;

import dev.skyfn.core.workflow.Definition;

/**
 * A workflow of an app, as its manifest declares it.
 *
 * @param definition the state machine, checked
 * @param json       the definition as JSON text, which sandboxes read again to run it
 */
public record WorkflowSpec(String name, Definition definition, String json) {
}
