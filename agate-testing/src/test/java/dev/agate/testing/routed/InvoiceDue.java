package dev.agate.testing.routed;

/** A message in its own package, for routing by package. */
public record InvoiceDue(int id) {
}
