package dev.skyfn.node.apps;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;

/** An app whose own types carry Jackson's annotations, and times with offsets and zones. */
public class Annotated implements Handler<Annotated.Order, Annotated.Receipt> {

    public record Order(@JsonProperty("qty") int quantity, @JsonAlias("name") String item, OffsetDateTime at, ZonedDateTime due) {
    }

    public record Receipt(String item, int quantity, @JsonIgnore String secret, @JsonInclude(JsonInclude.Include.NON_NULL) String note,
                          OffsetDateTime at, ZonedDateTime due) {
    }

    @Override
    public Receipt handle(Order order, Context ctx) {
        return new Receipt(order.item(), order.quantity(), "s3cret", null, order.at(), order.due());
    }
}
