package dev.agate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that handles one message type.
 *
 * <p>The first parameter is the message; its class (or any class assignable to it) is what the method
 * handles. Optional further parameters, in any order: {@link MessageContext} and {@link Envelope}.
 * The method may be static or an instance method of an object registered with the host, and need not
 * be public.
 *
 * <p>What the method returns is sent as new messages in the same unit of work ("cascading"): a message
 * object, an {@link Outgoing} (to delay it or send it to a named endpoint), a {@link java.util.Collection}
 * or array of those, an {@link java.util.Optional}, or nothing ({@code void} or {@code null}).
 *
 * <p>A method whose signature cannot work fails {@link AgateHost.Builder#build()} with an error naming
 * the class and method.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Handler {
}
