package dev.skyfn.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestLimitsTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(nullValues = "-", value = {
            "/v1/topics/a.b, -",
            "/v1/topics/a.b;c, a.b;c",
            "/v1;x/apps, v1;x",
            "/fn/dev/app/f;x, f;x",
            "/fn/dev/app;x/f/rest, app;x",
            // the rest of a function URL's path is the function's, passed on as sent
            "/fn/dev/app/f/items;v=1, -",
            "/fn/dev/app/f/, -",
            "/, -",
    })
    void aSegmentSkyfnRoutesOnWithMatrixParametersIsNamed(String rawPath, String named) {
        assertThat(RequestLimits.routedWithParameters(rawPath)).isEqualTo(named);
    }
}
