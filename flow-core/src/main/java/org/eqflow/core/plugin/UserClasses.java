package org.eqflow.core.plugin;

import java.util.function.Predicate;

/**
 * Constructs a user's class named in a configuration or a model file (a {@code class:} generator,
 * symmetry or energy), safely: the class is loaded without initialising it, its type is checked before any
 * static initialiser or constructor runs, and every failure becomes one {@link IllegalArgumentException}
 * that names the class and says what to do.
 */
public final class UserClasses {
    private UserClasses() {
    }

    /** Calls the constructor of an already type-checked class. */
    public interface Constructor {
        /** Creates an instance of {@code type}. */
        Object construct(Class<?> type) throws ReflectiveOperationException;
    }

    /**
     * @param kind        how messages name it, e.g. {@code "energy class"}
     * @param accepts     the type check, done before initialisation
     * @param notAccepted what the refusal says after the class name, e.g. {@code "does not implement …"}
     * @param needs       the constructor it must have, for the message when it has none
     */
    public static Object construct(String kind, String className, Predicate<Class<?>> accepts, String notAccepted, String needs,
                                   Constructor constructor) {
        try {
            Class<?> c = Class.forName(className, false, Thread.currentThread().getContextClassLoader());
            if (!accepts.test(c)) {
                throw new IllegalArgumentException(kind + " '" + className + "' " + notAccepted + "; nothing was constructed");
            }
            return constructor.construct(c);
        } catch (ExceptionInInitializerError e) {
            throw new IllegalArgumentException(kind + " '" + className + "' failed to initialise: " + e.getCause(), e);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(kind + " '" + className + "' is not on the class path: add the jar that defines it", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalArgumentException(kind + " '" + className + "' rejected its parameters: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(kind + " '" + className + "' could not be created: it needs a public " + needs, e);
        }
    }
}
