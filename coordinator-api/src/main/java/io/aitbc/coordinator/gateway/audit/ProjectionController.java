package io.aitbc.coordinator.gateway.audit;

import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.projection.ProjectionRebuilder;
import io.aitbc.coordinator.projection.ProjectionStatus;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.util.List;

/**
 * Projection operations for admins: each projection's position, lag and state, and a rebuild from the
 * first event ({@code POST /v1/admin/projections/{name}/replay}, or {@code all}) that runs in the
 * background while the service answers from the live tables; its progress shows in the listing.
 * {@code GET /v1/admin/projections/{name}?hash=true} adds the SHA-256 of the projection's rows.
 */
@RestController
@RequestMapping("/v1/admin/projections")
class ProjectionController {

    private final Backend backend;
    private final ProjectionRebuilder rebuilder;

    ProjectionController(Backend backend, ProjectionRebuilder rebuilder) {
        this.backend = backend;
        this.rebuilder = rebuilder;
    }

    record Projections(List<ProjectionStatus> projections) {
    }

    record ProjectionDetail(ProjectionStatus projection, String contentSha256) {
    }

    @GetMapping
    Mono<Projections> list(RequestContext context) {
        context.caller().require(Role.ADMIN);
        return backend.blocking(context, () -> new Projections(rebuilder.statuses()));
    }

    @GetMapping("/{name}")
    Mono<ProjectionDetail> get(RequestContext context, @PathVariable String name,
                               @RequestParam(defaultValue = "false") boolean hash) {
        context.caller().require(Role.ADMIN);
        return backend.blocking(context, () -> rebuilder.status(name)
                        .map(status -> new ProjectionDetail(status,
                                hash && rebuilder.isRebuildable(name) ? rebuilder.contentHash(name) : null))
                        .orElse(null))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("NOT_FOUND", "No projection " + name)));
    }

    @PostMapping("/{name}/replay")
    Mono<ResponseEntity<Projections>> replay(RequestContext context, @PathVariable String name) {
        context.caller().require(Role.ADMIN);
        if (!name.equals("all") && !rebuilder.isRebuildable(name)) {
            throw new ApiException(HttpStatus.NOT_FOUND, "NOT_FOUND", "No projection " + name
                    + " can be replayed here; known: all, job-dispatch, job-views, market-offers, market-stats, "
                    + "miner-views");
        }
        if (!rebuilder.start(name)) {
            throw new ApiException(HttpStatus.CONFLICT, "INVALID_STATE", "A projection rebuild is already running");
        }
        return backend.blocking(context, () -> ResponseEntity.status(HttpStatus.ACCEPTED)
                .body(new Projections(rebuilder.statuses())));
    }
}
