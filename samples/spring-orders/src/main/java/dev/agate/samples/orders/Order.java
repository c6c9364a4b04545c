package dev.agate.samples.orders;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An order as the shop keeps it: placed by the HTTP endpoint, shipped by the carrier through a durable queue. */
@Entity
@Table(name = "shop_orders")
public class Order {
    public enum Status { PLACED, SHIPPED }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false)
    private String customer;

    @Column(nullable = false)
    private String item;

    @Column(nullable = false)
    private int quantity;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    private Status status = Status.PLACED;

    /** The carrier's shipment id, once shipped. */
    private String shipment;

    @Column(nullable = false)
    private Instant placedAt;

    private Instant shippedAt;

    protected Order() {
        // for JPA
    }

    public Order(String customer, String item, int quantity, Instant placedAt) {
        this.customer = customer;
        this.item = item;
        this.quantity = quantity;
        this.placedAt = placedAt;
    }

    public void shipped(String shipment, Instant at) {
        this.status = Status.SHIPPED;
        this.shipment = shipment;
        this.shippedAt = at;
    }

    public Long getId() {
        return id;
    }

    public String getCustomer() {
        return customer;
    }

    public String getItem() {
        return item;
    }

    public int getQuantity() {
        return quantity;
    }

    public Status getStatus() {
        return status;
    }

    public String getShipment() {
        return shipment;
    }

    public Instant getPlacedAt() {
        return placedAt;
    }

    public Instant getShippedAt() {
        return shippedAt;
    }
}
