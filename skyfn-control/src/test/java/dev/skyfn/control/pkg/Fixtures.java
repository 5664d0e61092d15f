package dev.skyfn.control.pkg;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.function.Function;

/** Handler classes of good and bad shapes, packed into jars by the tests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static class Hello implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            return "hello " + input;
        }
    }

    public abstract static class Base implements Function<String, String> {
    }

    /** A handler only through its superclass in the same jar. */
    public static class Derived extends Base {
        @Override
        public String apply(String s) {
            return s;
        }
    }

    public static class NotAHandler {
    }

    public static class NoDefaultConstructor implements Function<String, String> {
        public NoDefaultConstructor(int x) {
        }

        @Override
        public String apply(String s) {
            return s;
        }
    }

    /** Named with its method, as Lambda's handler strings are: it implements no interface. */
    public static class Orders {
        public String handleRequest(String event) {
            return event;
        }

        public static String shout(String event) {
            return event.toUpperCase();
        }
    }

    /** Only a static method, and no constructor a runtime could call. */
    public static class Statics {
        private Statics() {
        }

        public static String shout(String event) {
            return event.toUpperCase();
        }

        public String handleRequest(String event) {
            return event;
        }
    }

    /** Takes the whole HTTP request. */
    public static class Web implements Handler<dev.skyfn.api.HttpRequest, dev.skyfn.api.HttpResponse> {
        @Override
        public dev.skyfn.api.HttpResponse handle(dev.skyfn.api.HttpRequest input, Context ctx) {
            return dev.skyfn.api.HttpResponse.text(200, input.method());
        }
    }

    /** Takes the whole HTTP request through its superclass. */
    public static class WebFunction extends BaseWeb {
    }

    public abstract static class BaseWeb implements Function<dev.skyfn.api.HttpRequest, String> {
        @Override
        public String apply(dev.skyfn.api.HttpRequest r) {
            return r.method();
        }
    }

    /** Takes JSON: a record. */
    public static class TakesOrder implements Handler<Order, String> {
        @Override
        public String handle(Order order, Context ctx) {
            return order.id();
        }
    }

    public record Order(String id, int qty) {
    }

    /** Takes the body's bytes. */
    public static class Bytes implements Function<byte[], Integer> {
        @Override
        public Integer apply(byte[] b) {
            return b.length;
        }
    }

    /** Takes JSON: a list. */
    public static class Lists implements Function<java.util.List<Order>, Integer> {
        @Override
        public Integer apply(java.util.List<Order> orders) {
            return orders.size();
        }
    }

    /** Takes the body as a stream. */
    public static class Streams implements Function<java.io.InputStream, Integer> {
        @Override
        public Integer apply(java.io.InputStream in) {
            return 0;
        }
    }

    /** Its input is a type variable its subclass binds: not read from the class file. */
    public abstract static class Generic<T> implements Function<T, String> {
        @Override
        public String apply(T t) {
            return String.valueOf(t);
        }
    }

    public static class BoundLater extends Generic<Order> {
    }

    /** A stream handler first, whatever else it is: the sandbox hands it the bytes. */
    public static class StreamsFirst implements Function<Order, String>, dev.skyfn.api.StreamHandler {
        @Override
        public String apply(Order order) {
            return order.id();
        }

        @Override
        public void handle(java.io.InputStream in, java.io.OutputStream out, Context ctx) {
        }
    }

    /** A Handler before a Function, though the Function is declared first. */
    public static class HandlerFirst implements Function<Order, String>, Handler<String, String> {
        @Override
        public String apply(Order order) {
            return order.id();
        }

        @Override
        public String handle(String input, Context ctx) {
            return input;
        }
    }

    /** A Function of JSON in the class, over a Handler of the whole request in its superclass: run as the Handler. */
    public static class RequestBelow extends Web implements Function<Order, String> {
        @Override
        public String apply(Order order) {
            return order.id();
        }
    }
}
