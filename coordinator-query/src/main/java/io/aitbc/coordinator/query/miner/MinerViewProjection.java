package io.aitbc.coordinator.query.miner;

import io.aitbc.coordinator.miner.api.MinerCapabilities;
import io.aitbc.coordinator.miner.api.MinerRegisteredEvent;
import io.aitbc.coordinator.query.infra.JsonText;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

import java.util.Locale;

import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.MINER_VIEW;

/** Keeps {@code miner_view}: each miner's registration, in the form matching queries it. */
@Component
@ProcessingGroup(MinerViewProjection.PROCESSING_GROUP)
class MinerViewProjection {

    static final String PROCESSING_GROUP = "miner-views";

    private final DSLContext dsl;

    MinerViewProjection(DSLContext dsl) {
        this.dsl = dsl;
    }

    @EventHandler
    void on(MinerRegisteredEvent event) {
        MinerCapabilities capabilities = event.capabilities();
        String[] gpuNames = capabilities.gpus().stream()
                .map(gpu -> gpu.name() == null ? "" : gpu.name().toLowerCase(Locale.ROOT))
                .toArray(String[]::new);
        int maxVramMb = capabilities.gpus().stream().mapToInt(MinerCapabilities.Gpu::memoryMb).max().orElse(0);
        dsl.insertInto(MINER_VIEW)
                .set(MINER_VIEW.MINER_ID, event.minerId())
                .set(MINER_VIEW.CAPABILITIES, JsonText.write(capabilities))
                .set(MINER_VIEW.GPU_NAMES, gpuNames)
                .set(MINER_VIEW.MAX_VRAM_MB, maxVramMb)
                .set(MINER_VIEW.MODELS, capabilities.models().toArray(String[]::new))
                .set(MINER_VIEW.JOB_TYPES, capabilities.jobTypes().toArray(String[]::new))
                .set(MINER_VIEW.CONCURRENCY, event.concurrency())
                .set(MINER_VIEW.REGION, event.region())
                .set(MINER_VIEW.PUBLIC_KEY, event.publicKey())
                .set(MINER_VIEW.UNIT_PRICE, event.unitPrice())
                .set(MINER_VIEW.UNIT_TYPE, event.unitType())
                .set(MINER_VIEW.REGISTERED_AT, utc(event.registeredAt()))
                .set(MINER_VIEW.UPDATED_AT, utc(event.registeredAt()))
                .onConflict(MINER_VIEW.MINER_ID)
                .doUpdate()
                .set(MINER_VIEW.CAPABILITIES, JsonText.write(capabilities))
                .set(MINER_VIEW.GPU_NAMES, gpuNames)
                .set(MINER_VIEW.MAX_VRAM_MB, maxVramMb)
                .set(MINER_VIEW.MODELS, capabilities.models().toArray(String[]::new))
                .set(MINER_VIEW.JOB_TYPES, capabilities.jobTypes().toArray(String[]::new))
                .set(MINER_VIEW.CONCURRENCY, event.concurrency())
                .set(MINER_VIEW.REGION, event.region())
                .set(MINER_VIEW.PUBLIC_KEY, event.publicKey())
                .set(MINER_VIEW.UNIT_PRICE, event.unitPrice())
                .set(MINER_VIEW.UNIT_TYPE, event.unitType())
                .set(MINER_VIEW.UPDATED_AT, utc(event.registeredAt()))
                .execute();
    }

    @ResetHandler
    void reset() {
        dsl.truncate(MINER_VIEW).execute();
    }
}
