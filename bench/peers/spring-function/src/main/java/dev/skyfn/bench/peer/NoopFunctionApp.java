package dev.skyfn.bench.peer;

import java.util.function.Function;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** A no-op {@code Function<String, String>} bean, which Spring Cloud Function's web adapter serves at {@code POST /noop}. */
@SpringBootApplication
public class NoopFunctionApp {

    @Bean
    public Function<String, String> noop() {
        return input -> input;
    }

    public static void main(String[] args) {
        SpringApplication.run(NoopFunctionApp.class, args);
    }
}
