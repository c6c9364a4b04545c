package dev.agate.benchmarks;

import java.util.List;

/** A named benchmark that measures one or more configurations, one {@link Result} row each. */
interface Scenario {

    /** The name given to {@code --scenario}. */
    String name();

    /** One line for the report: what a message is and what its latency measures. */
    String description();

    /**
     * Warms up and measures every configuration of this scenario.
     *
     * @param stores the stores {@code --store} named (empty: the scenario's default); scenarios without a
     *               database ignore it
     */
    List<Result> run(Size size, List<String> stores) throws Exception;
}
