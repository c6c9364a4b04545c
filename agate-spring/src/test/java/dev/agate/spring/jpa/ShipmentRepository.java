package dev.agate.spring.jpa;

import org.springframework.data.jpa.repository.JpaRepository;

public interface ShipmentRepository extends JpaRepository<Shipment, String> {

    long countByOrderId(Integer orderId);
}
