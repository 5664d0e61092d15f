package dev.skyfn.node.data;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;

class MemoryKeyValueTest extends KeyValueConformance {

    @Override
    protected KeyValue store() {
        return new MemoryKeyValue(QUOTA, MAX_VALUE);
    }
}
