package dev.agate.spring.boot;

import dev.agate.console.AgateConsole;
import dev.agate.console.AgateConsoleServlet;
import dev.agate.console.ConsoleAuthenticator;
import dev.agate.spi.MessageStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The operator's console ({@code dev.agate:agate-console}) mounted at {@code agate.console.path} when
 * {@code agate.console.enabled=true}, over the application's message store. A start that asks for it and
 * cannot have it (no store bean: the host keeps its messages in the embedded default; an unknown
 * authentication) fails, saying why.
 */
@AutoConfiguration(after = AgateAutoConfiguration.class)
@ConditionalOnClass({AgateConsole.class, jakarta.servlet.Servlet.class, ServletRegistrationBean.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "agate.console", name = "enabled", havingValue = "true")
public class AgateConsoleAutoConfiguration {

    @Bean
    public ServletRegistrationBean<AgateConsoleServlet> agateConsoleServlet(AgateProperties properties, ObjectProvider<MessageStore> store,
                                                                           Environment environment) {
        AgateProperties.Console settings = properties.getConsole();
        MessageStore messageStore = store.getIfAvailable();
        if (messageStore == null) {
            throw new AgateConfigurationException("agate.console.enabled=true, but Agate has no message store bean to show: the host"
                    + " keeps its messages in the embedded default, or in none.",
                    "Give Agate the application's DataSource (or set agate.store.url); or set agate.console.enabled=false and use"
                            + " `bin/agate console --db URL`.");
        }
        ConsoleAuthenticator authenticator = switch (settings.getAuthentication()) {
            case "container" -> ConsoleAuthenticator.containerUser();
            case "none" -> ConsoleAuthenticator.anyone();
            default -> throw new AgateConfigurationException("agate.console.authentication='" + settings.getAuthentication()
                    + "' is not one Agate knows.", "Set it to container (the user Spring Security authenticated) or none.");
        };
        String path = settings.getPath().endsWith("/") ? settings.getPath().substring(0, settings.getPath().length() - 1) : settings.getPath();
        if (!path.startsWith("/") || path.length() < 2) {
            throw new AgateConfigurationException("agate.console.path='" + settings.getPath() + "' is not a path below the root.",
                    "Set it to a path such as /agate-console.");
        }
        String service = properties.getServiceName() != null ? properties.getServiceName()
                : environment.getProperty("spring.application.name", "agate");
        AgateConsole console = AgateConsole.builder(messageStore).writable(settings.isWritable()).authenticator(authenticator)
                .title(service).build();
        ServletRegistrationBean<AgateConsoleServlet> registration = new ServletRegistrationBean<>(new AgateConsoleServlet(console),
                path + "/*");
        registration.setName("agateConsole");
        return registration;
    }
}
