package dev.agate.samples.orders;

import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /orders} places an order; {@code GET /orders} and {@code GET /orders/{id}} show them. */
@RestController
public class OrderController {
    private final OrderService service;
    private final OrderRepository orders;

    public OrderController(OrderService service, OrderRepository orders) {
        this.service = service;
        this.orders = orders;
    }

    public record PlaceOrder(String customer, String item, int quantity) {
    }

    @PostMapping("/orders")
    public ResponseEntity<Order> place(@RequestBody PlaceOrder request) {
        Order order = service.place(request.customer(), request.item(), request.quantity());
        return ResponseEntity.status(HttpStatus.CREATED).body(order);
    }

    @GetMapping("/orders")
    public List<Order> list() {
        return orders.findAll();
    }

    @GetMapping("/orders/{id}")
    public ResponseEntity<Order> get(@PathVariable long id) {
        return ResponseEntity.of(orders.findById(id));
    }

    @ExceptionHandler(OrderService.InvalidOrderException.class)
    public ResponseEntity<Map<String, String>> invalid(OrderService.InvalidOrderException e) {
        return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
    }
}
