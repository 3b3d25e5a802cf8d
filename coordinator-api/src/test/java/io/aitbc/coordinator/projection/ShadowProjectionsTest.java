package io.aitbc.coordinator.projection;

import io.aitbc.coordinator.audit.StoredEvent;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ShadowProjectionsTest {

    @Test
    void roundsGroupEqualEventTypesAndKeepEachJobsOrder() {
        List<StoredEvent> events = List.of(
                event(1, "job_a", "JobSubmitted"), event(2, "job_a", "JobAssigned"),
                event(3, "job_b", "JobSubmitted"), event(4, "job_b", "JobAssigned"),
                event(5, "job_c", "JobSubmitted"), event(6, "job_a", "JobCompleted"));

        List<Long> order = ShadowProjections.inRounds(events).stream().map(StoredEvent::position).toList();

        assertThat(order).containsExactly(1L, 3L, 5L, 2L, 4L, 6L);
    }

    @Property
    void everyEventIsAppliedOnceAndEachAggregateKeepsItsOrder(
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 9) Integer> aggregates,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 3) Integer> types) {
        List<StoredEvent> events = new ArrayList<>();
        for (int i = 0; i < aggregates.size(); i++) {
            int type = i < types.size() ? types.get(i) : 0;
            events.add(event(i + 1, "job_" + aggregates.get(i), "Type" + type));
        }

        List<StoredEvent> ordered = ShadowProjections.inRounds(events);

        assertThat(ordered).containsExactlyInAnyOrderElementsOf(events);
        assertThat(byAggregate(ordered)).isEqualTo(byAggregate(events));
    }

    private static Map<String, List<Long>> byAggregate(List<StoredEvent> events) {
        return events.stream().collect(Collectors.groupingBy(StoredEvent::aggregateId,
                Collectors.mapping(StoredEvent::position, Collectors.toList())));
    }

    private static StoredEvent event(long position, String aggregateId, String type) {
        return new StoredEvent(position, "evt_" + position, "io.aitbc.coordinator.job.api." + type + "Event",
                "JobAggregate", aggregateId, position, Instant.EPOCH, new byte[0], new byte[0]);
    }
}
