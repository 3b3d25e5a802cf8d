package io.aitbc.coordinator.common.api;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class IdsProperties {

    /** The time part holds 48 bits of milliseconds: until the year 10889. */
    private static final long MAX_MILLIS = (1L << 48) - 1;
    private static final String CROCKFORD_BASE32 = "[0-9A-HJKMNP-TV-Z]";

    @Property
    void idIsItsPrefixAnUnderscoreAndTwentySixBase32Characters(@ForAll("prefixes") String prefix,
                                                               @ForAll("millis") long millis) {
        String id = Ids.newId(prefix, Instant.ofEpochMilli(millis));

        assertThat(id).matches(prefix + "_" + CROCKFORD_BASE32 + "{26}");
        assertThat(Ids.isWellFormed(id, prefix)).isTrue();
    }

    @Property
    void idsSortByTheMillisecondTheyWereMadeIn(@ForAll("millis") long first, @ForAll("millis") long second) {
        Assume.that(first != second);

        String firstId = Ids.newId("job", Instant.ofEpochMilli(first));
        String secondId = Ids.newId("job", Instant.ofEpochMilli(second));

        assertThat(Integer.signum(firstId.compareTo(secondId))).isEqualTo(Long.signum(first - second));
    }

    @Property(tries = 20)
    void idsMadeInTheSameMillisecondAreUnique(@ForAll("millis") long millis) {
        Instant time = Instant.ofEpochMilli(millis);
        Set<String> ids = new HashSet<>();

        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.newId("rcpt", time));
        }

        assertThat(ids).hasSize(10_000);
    }

    @Property
    void seededIdsAreWellFormedAndTheSameForTheSameTimeAndSeed(@ForAll("millis") long millis,
                                                              @ForAll @Size(min = 10, max = 32) byte[] seed,
                                                              @ForAll @Size(min = 10, max = 32) byte[] other) {
        Instant time = Instant.ofEpochMilli(millis);

        String id = Ids.newId("job", time, seed);

        assertThat(Ids.isWellFormed(id, "job")).isTrue();
        assertThat(Ids.newId("job", time, seed.clone())).isEqualTo(id);
        assertThat(id.substring(0, 14)).isEqualTo(Ids.newId("job", time).substring(0, 14));
        assertThat(Ids.newId("job", time, other).equals(id))
                .isEqualTo(Arrays.equals(seed, 0, 10, other, 0, 10));
    }

    @Property
    void idWithACharacterOutsideTheAlphabetIsNotWellFormed(@ForAll @IntRange(min = 0, max = 25) int position,
                                                          @ForAll("notBase32") char stranger) {
        String id = Ids.newId("job", Instant.parse("2026-12-04T12:00:00Z"));
        int index = "job_".length() + position;

        String spoiled = id.substring(0, index) + stranger + id.substring(index + 1);

        assertThat(Ids.isWellFormed(spoiled, "job")).isFalse();
    }

    @Property
    void idOfAnotherTypeIsNotWellFormed(@ForAll @CharRange(from = 'a', to = 'z') char extra) {
        String offerId = Ids.newId("offer", Instant.parse("2026-12-04T12:00:00Z"));

        assertThat(Ids.isWellFormed(offerId, "job")).isFalse();
        assertThat(Ids.isWellFormed(offerId, "offer" + extra)).isFalse();
    }

    @Example
    void idThatIsTooShortOrTooLongIsNotWellFormed() {
        String id = Ids.newId("job", Instant.parse("2026-12-04T12:00:00Z"));

        assertThat(Ids.isWellFormed(id.substring(0, id.length() - 1), "job")).isFalse();
        assertThat(Ids.isWellFormed(id + "0", "job")).isFalse();
        assertThat(Ids.isWellFormed(null, "job")).isFalse();
    }

    @Provide
    Arbitrary<String> prefixes() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    }

    @Provide
    Arbitrary<Long> millis() {
        return Arbitraries.longs().between(0, MAX_MILLIS);
    }

    /** Lower case, the letters Crockford leaves out (I, L, O, U), and punctuation. */
    @Provide
    Arbitrary<Character> notBase32() {
        return Arbitraries.chars().with("abcdefghjkmnpqrstvwxyzILOU-_+/=. ".toCharArray());
    }
}
