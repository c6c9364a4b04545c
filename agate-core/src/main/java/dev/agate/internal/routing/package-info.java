/** Routing: from a message class to the endpoint URIs it is sent to. */
package dev.agate.internal.routing;
