package dev.agate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a message class a stable message-type name. Without it the name is the class's simple name.
 * Two services exchange a message when their classes have the same message-type name; they need not
 * share the class. Within one host, two handled classes with the same name fail the build.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MessageType {
    /** The name; must not be blank. */
    String value();
}
