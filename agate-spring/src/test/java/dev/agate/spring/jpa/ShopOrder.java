package dev.agate.spring.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An order of the JPA test's application. */
@Entity
@Table(name = "shop_order")
public class ShopOrder {
    @Id
    private Integer id;

    protected ShopOrder() {
    }

    public ShopOrder(int id) {
        this.id = id;
    }

    public Integer getId() {
        return id;
    }
}
