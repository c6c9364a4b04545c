/**
 * The TCP transport's machinery: the frame codec and reader, the two ends of a connection (listener and
 * sender), TLS contexts and the event loops. Not an API: types here change without notice; the public
 * ones are public only because {@link dev.agate.tcp.TcpTransport} uses them.
 */
package dev.agate.tcp.internal;
