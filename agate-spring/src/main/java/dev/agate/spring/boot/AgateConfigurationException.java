package dev.agate.spring.boot;

/**
 * Agate cannot start as configured: what is wrong and how to fix it. Spring Boot reports it at start-up
 * through {@link AgateFailureAnalyzer}, as a description and an action, instead of a stack trace.
 */
public class AgateConfigurationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String description;
    private final String action;

    public AgateConfigurationException(String description, String action) {
        super(description + " Action: " + action);
        this.description = description;
        this.action = action;
    }

    /** What is wrong. */
    public String description() {
        return description;
    }

    /** How to fix it. */
    public String action() {
        return action;
    }
}
