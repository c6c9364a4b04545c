package dev.agate.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;

/** Reads the broker's reason out of the client's exceptions, which wrap it a layer or two deep. */
public final class RabbitErrors {
    private RabbitErrors() {
    }

    /** The broker's close reason (code and text) when there is one, else the exception's own message. */
    public static String describe(Throwable e) {
        ShutdownSignalException signal = signal(e);
        if (signal != null && signal.getReason() instanceof AMQP.Channel.Close close) {
            return close.getReplyCode() + " " + close.getReplyText();
        }
        if (signal != null && signal.getReason() instanceof AMQP.Connection.Close close) {
            return close.getReplyCode() + " " + close.getReplyText();
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    /** The AMQP reply code of the channel close behind {@code e}, or 0. */
    public static int channelCloseCode(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyCode() : 0;
    }

    private static ShutdownSignalException signal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s;
            }
        }
        return null;
    }
}
