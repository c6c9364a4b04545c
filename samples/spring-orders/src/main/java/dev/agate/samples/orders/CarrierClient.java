package dev.agate.samples.orders;

import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.Environment;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * Calls the carrier's HTTP API at {@code orders.carrier-url} (by default the stand-in carrier of this
 * application), with short timeouts: a slow carrier fails the attempt, and the error policy retries.
 */
@Component
public class CarrierClient {
    private final String configuredUrl;
    private final Environment environment;
    private final RestClient.Builder builder;
    private volatile RestClient http;

    /**
     * {@code builder}: Spring Boot's when it makes one (Boot 3; on Boot 4 with spring-boot-restclient), which
     * observes each call, so the carrier call is a span of the order's trace; else a plain one.
     */
    public CarrierClient(@Value("${orders.carrier-url:}") String carrierUrl, Environment environment,
                         ObjectProvider<RestClient.Builder> builder) {
        this.configuredUrl = carrierUrl;
        this.environment = environment;
        this.builder = builder.getIfAvailable(RestClient::builder);
    }

    /** Built on first use: the stand-in carrier's URL needs the port the server got, known only once it listens. */
    private RestClient http() {
        RestClient client = http;
        if (client == null) {
            String url = configuredUrl.isBlank()
                    ? "http://localhost:" + environment.getRequiredProperty("local.server.port") + "/carrier" : configuredUrl;
            SimpleClientHttpRequestFactory timeouts = new SimpleClientHttpRequestFactory();
            timeouts.setConnectTimeout(Duration.ofSeconds(1));
            timeouts.setReadTimeout(Duration.ofSeconds(2));
            client = builder.clone().baseUrl(url).requestFactory(timeouts).build();
            http = client;
        }
        return client;
    }

    /**
     * Asks for the order's shipment; the order id is the idempotency key, so asking again returns the same one.
     *
     * @throws CarrierUnavailableException when the carrier cannot be reached or answers with an error
     */
    public String ship(OrderPlaced order) {
        try {
            FakeCarrierController.Shipment shipment = http().post().uri("/shipments")
                    .header("Idempotency-Key", "order-" + order.orderId())
                    .body(new FakeCarrierController.ShipmentRequest(order.orderId(), order.customer(), order.item(), order.quantity()))
                    .retrieve().body(FakeCarrierController.Shipment.class);
            if (shipment == null || shipment.shipment() == null) {
                throw new CarrierUnavailableException("the carrier answered without a shipment id for order " + order.orderId(), null);
            }
            return shipment.shipment();
        } catch (RestClientException e) {
            throw new CarrierUnavailableException("the carrier did not take order " + order.orderId() + ": " + e.getMessage(), e);
        }
    }

    /** The carrier failed; worth trying again later. */
    public static final class CarrierUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CarrierUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
