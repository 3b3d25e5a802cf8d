package io.aitbc.coordinator.job;

import org.axonframework.messaging.Message;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;

import java.util.List;
import java.util.function.Consumer;

import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;

/**
 * Lets AssertJ state what a fixture's events and answers must satisfy, for values the test cannot
 * know in advance (a receipt id is random); AssertJ's message becomes the fixture's mismatch.
 */
final class FixtureMatchers {

    private FixtureMatchers() {
    }

    /** Exactly one event was applied, of the given type, and it meets the requirements. */
    static <T> Matcher<List<Message<?>>> onlyEvent(Class<T> type, Consumer<T> requirements) {
        return payloadsMatching(exactSequenceOf(satisfying(type, requirements), andNoMore()));
    }

    static <T> Matcher<T> satisfying(Class<T> type, Consumer<T> requirements) {
        return new TypeSafeDiagnosingMatcher<>(type) {

            @Override
            protected boolean matchesSafely(T item, Description mismatch) {
                try {
                    requirements.accept(item);
                    return true;
                } catch (AssertionError failure) {
                    mismatch.appendText(failure.getMessage());
                    return false;
                }
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a ").appendText(type.getSimpleName()).appendText(" meeting the requirements");
            }
        };
    }
}
