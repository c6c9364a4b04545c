package dev.agate.spring.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** What the JPA test's handlers write: one per handled order, keyed by an id of their own so duplicates would show. */
@Entity
@Table(name = "shipment")
public class Shipment {
    @Id
    private String id;

    private Integer orderId;

    protected Shipment() {
    }

    public Shipment(String id, int orderId) {
        this.id = id;
        this.orderId = orderId;
    }

    public Integer getOrderId() {
        return orderId;
    }
}
