package dev.agate.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link AgateConfigurationException} anywhere in a start-up failure into Spring Boot's report: description, then action. */
public class AgateFailureAnalyzer extends AbstractFailureAnalyzer<AgateConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, AgateConfigurationException cause) {
        return new FailureAnalysis(cause.description(), cause.action(), cause);
    }
}
