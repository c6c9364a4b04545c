package dev.agate.samples.pingpong;

/** What the pinger and the ponger say to each other; each knows them by their message-type names. */
final class Messages {
    private Messages() {
    }

    record Ping(long id) {
    }

    record Pong(long id) {
    }
}
