package dev.agate.samples.localpingpong;

/** The demo's messages. */
final class Messages {
    private Messages() {
    }

    /** Sent by the pinger; handled by the ponger. */
    record Ping(long id) {
    }

    /** The ponger's answer, cascaded from its handler. */
    record Pong(long id) {
    }
}
