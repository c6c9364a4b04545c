package dev.agate.samples.orders;

/** Sent in the transaction that places the order; handled by {@link ShippingHandler} through a durable local queue. */
public record OrderPlaced(long orderId, String customer, String item, int quantity) {
}
