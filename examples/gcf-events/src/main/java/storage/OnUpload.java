package storage;

import com.google.cloud.functions.CloudEventsFunction;
import io.cloudevents.CloudEvent;
import java.nio.charset.StandardCharsets;

/** Reacts to a Cloud Storage object being written, as the Cloud Functions guide's storage example does. */
public class OnUpload implements CloudEventsFunction {

    @Override
    public void accept(CloudEvent event) {
        System.out.println("Event ID: " + event.getId());
        System.out.println("Event Type: " + event.getType());
        if (event.getData() == null) {
            System.out.println("No data found in cloud event payload!");
            return;
        }
        String data = new String(event.getData().toBytes(), StandardCharsets.UTF_8);
        System.out.println("Data: " + data);
    }
}
