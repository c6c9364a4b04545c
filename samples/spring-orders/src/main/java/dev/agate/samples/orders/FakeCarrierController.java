package dev.agate.samples.orders;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Stands in for the external carrier's HTTP API, so the sample runs with one command; point
 * {@code orders.carrier-url} elsewhere to use another. Like a real carrier API it is idempotent by the
 * {@code Idempotency-Key} header: a shipment asked for twice (the shop's handler may call again after a
 * crash between the call and its commit) is created once. {@code POST /carrier/outage} makes it answer
 * 503 until {@code DELETE /carrier/outage}.
 */
@RestController
@RequestMapping("/carrier")
public class FakeCarrierController {
    private final Map<String, String> shipments = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicBoolean outage = new AtomicBoolean();

    public record ShipmentRequest(long orderId, String customer, String item, int quantity) {
    }

    public record Shipment(String shipment) {
    }

    public record Stats(int calls, int shipments, boolean outage) {
    }

    @PostMapping("/shipments")
    public ResponseEntity<Shipment> ship(@RequestHeader("Idempotency-Key") String key, @RequestBody ShipmentRequest request) {
        calls.incrementAndGet();
        if (outage.get()) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        String shipment = shipments.computeIfAbsent(key, k -> "SHP-" + request.orderId() + "-" + Long.toString(System.nanoTime(), 36));
        return ResponseEntity.ok(new Shipment(shipment));
    }

    @GetMapping
    public Stats stats() {
        return new Stats(calls.get(), shipments.size(), outage.get());
    }

    @PostMapping("/outage")
    public Stats startOutage() {
        outage.set(true);
        return stats();
    }

    @DeleteMapping("/outage")
    public Stats endOutage() {
        outage.set(false);
        return stats();
    }
}
