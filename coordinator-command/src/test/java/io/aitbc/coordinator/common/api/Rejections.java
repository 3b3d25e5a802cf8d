package io.aitbc.coordinator.common.api;

import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;

/**
 * Matches a {@link CommandRejectedException} by its contract error code, which decides the HTTP
 * status the gateway answers; Axon's test fixtures take Hamcrest matchers for exceptions.
 */
public final class Rejections {

    private Rejections() {
    }

    public static Matcher<CommandRejectedException> rejectedWith(String code) {
        return new TypeSafeDiagnosingMatcher<>() {

            @Override
            protected boolean matchesSafely(CommandRejectedException rejection, Description mismatch) {
                mismatch.appendText("was rejected with ").appendValue(rejection.code())
                        .appendText(": ").appendValue(rejection.getMessage());
                return code.equals(rejection.code());
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a command rejected with ").appendValue(code);
            }
        };
    }
}
