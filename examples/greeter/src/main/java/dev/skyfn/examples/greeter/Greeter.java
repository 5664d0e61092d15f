package dev.skyfn.examples.greeter;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.time.LocalDate;
import java.time.Period;
import java.util.List;

/** A JSON-typed function: the platform maps the request to a record and the result back to JSON. */
public class Greeter implements Handler<Greeter.Person, Greeter.Greeting> {

    public record Person(String name, LocalDate born, List<String> languages) {
    }

    public record Greeting(String message, int age, String language, String invocationId) {
    }

    @Override
    public Greeting handle(Person person, Context ctx) {
        if (person == null || person.name() == null) {
            throw new IllegalArgumentException("a person needs a name");
        }
        ctx.log().info("greeting " + person.name());
        int age = person.born() == null ? -1 : Period.between(person.born(), LocalDate.now()).getYears();
        String language = person.languages() == null || person.languages().isEmpty() ? "en" : person.languages().getFirst();
        String hello = switch (language) {
            case "fr" -> "Bonjour";
            case "de" -> "Hallo";
            case "zh" -> "你好";
            case "es" -> "Hola";
            default -> "Hello";
        };
        return new Greeting(hello + ", " + person.name() + "!", age, language, ctx.invocationId());
    }
}
