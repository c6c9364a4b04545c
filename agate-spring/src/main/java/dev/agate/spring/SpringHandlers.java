package dev.agate.spring;

import dev.agate.Handler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Finds the beans of a Spring context that handle messages: singletons whose class (or a superclass) has
 * {@link Handler} methods. The bean itself is what a host should register, proxy included, so that what
 * Spring wraps around it ({@code @Transactional}, security, metrics) applies to its handlers.
 *
 * <p>A class proxy (CGLIB, Spring Boot's default) subclasses the bean's class, and the handler methods it
 * overrides pass the call on to the bean. A private or final handler method cannot be overridden: it would
 * run on the proxy, whose fields are empty, so it is refused here. An interface proxy (JDK) hides the
 * bean's class and its handler methods: refused too.
 */
public final class SpringHandlers {

    private SpringHandlers() {
    }

    /**
     * The singleton beans with {@link Handler} methods, in the context's order, each once. Creates them (and
     * what they depend on) if they were not created yet; a {@code FactoryBean} is asked for its type
     * without being created, and skipped when it cannot tell.
     *
     * @throws IllegalStateException for a handler bean behind an interface proxy, or whose class proxy
     *         cannot reach a handler method (private or final)
     */
    public static List<Object> find(ListableBeanFactory beans) {
        Map<Object, Boolean> found = new IdentityHashMap<>();
        List<Object> handlers = new ArrayList<>();
        for (String name : beans.getBeanNamesForType(Object.class, false, false)) {
            if (ScopedProxyUtils.isScopedTarget(name)) {
                continue;
            }
            Class<?> type = beans.getType(name, false);
            if (type == null || handlerMethods(ClassUtils.getUserClass(type)).isEmpty()) {
                continue;
            }
            Object bean = beans.getBean(name);
            check(name, bean);
            if (found.put(bean, Boolean.TRUE) == null) {
                handlers.add(bean);
            }
        }
        return handlers;
    }

    /** The {@link Handler} methods of {@code type} and its superclasses. */
    static List<Method> handlerMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method method : c.getDeclaredMethods()) {
                if (method.isAnnotationPresent(Handler.class) && !method.isBridge() && !method.isSynthetic()) {
                    methods.add(method);
                }
            }
        }
        return methods;
    }

    private static void check(String name, Object bean) {
        if (AopUtils.isJdkDynamicProxy(bean)) {
            throw new IllegalStateException("bean '" + name + "' has @Handler methods but is an interface (JDK) proxy, which"
                    + " hides them: let Spring proxy its class instead (spring.aop.proxy-target-class=true, Spring Boot's"
                    + " default, or @EnableTransactionManagement(proxyTargetClass = true))");
        }
        if (!AopUtils.isCglibProxy(bean)) {
            return;
        }
        for (Method method : handlerMethods(ClassUtils.getUserClass(bean))) {
            int modifiers = method.getModifiers();
            if (!Modifier.isStatic(modifiers) && (Modifier.isPrivate(modifiers) || Modifier.isFinal(modifiers))) {
                throw new IllegalStateException("handler " + method.getDeclaringClass().getName() + "." + method.getName()
                        + " of bean '" + name + "' is " + (Modifier.isPrivate(modifiers) ? "private" : "final")
                        + ", so the Spring proxy around the bean cannot pass it on: it would run on the proxy, without the"
                        + " bean's fields or its @Transactional. Make it non-private and not final");
            }
        }
    }
}
