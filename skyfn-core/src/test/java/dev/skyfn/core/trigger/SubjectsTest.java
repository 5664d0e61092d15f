package dev.skyfn.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectsTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            orders          | orders          | true
            orders          | orders.eu       | false
            orders.*        | orders.eu       | true
            orders.*        | orders          | false
            orders.*        | orders.eu.paris | false
            orders.>        | orders.eu.paris | true
            orders.>        | orders          | false
            *.created       | orders.created  | true
            *.created       | orders.deleted  | false
            >               | a.b.c           | true
            """)
    void aPatternMatchesAsNatsMatchesIt(String pattern, String subject, boolean matches) {
        assertThat(Subjects.matches(pattern, subject)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            orders.eu        | true  | true
            orders-eu_2      | true  | true
            orders.*         | false | true
            orders.>         | false | true
            orders.>.eu      | false | false
            orders eu        | false | false
            orders..eu       | false | false
            .orders          | false | false
            orders.$sys      | false | false
            """)
    void checksSubjectsAndPatterns(String subject, boolean asSubject, boolean asPattern) {
        assertThat(Subjects.problem(subject).isEmpty()).isEqualTo(asSubject);
        assertThat(Subjects.patternProblem(subject).isEmpty()).isEqualTo(asPattern);
    }
}
