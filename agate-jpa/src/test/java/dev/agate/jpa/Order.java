package dev.agate.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/**
 * The tests' entity. Its id is random, and nothing in the table is unique but the id: a handling that ran
 * twice would leave two rows, so counting rows proves "once" without a constraint doing the work.
 */
@Entity
@Table(name = "orders")
class Order {
    @Id
    private String id;

    @Column(name = "order_number", nullable = false)
    private int number;

    @Column(name = "placed_by")
    private String placedBy;

    protected Order() {
    }

    Order(int number, String placedBy) {
        this.id = UUID.randomUUID().toString();
        this.number = number;
        this.placedBy = placedBy;
    }

    int number() {
        return number;
    }
}
