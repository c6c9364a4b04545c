package dev.agate.spring.boot;

import dev.agate.MessageStoreStartException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a host whose message store did not start as Spring Boot's start-up report: the store's own error
 * first (a refused login, a refused connection, no answer), then what to check.
 */
public class AgateStoreStartFailureAnalyzer extends AbstractFailureAnalyzer<MessageStoreStartException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MessageStoreStartException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Check that the database of Agate's store (spring.datasource.url, or agate.store.url) is reachable from here and"
                        + " accepts the login. If it starts after the application, give it more time with"
                        + " agate.durability.store-start-timeout (default 10s).", cause);
    }
}
