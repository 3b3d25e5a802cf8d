package io.aitbc.coordinator.gateway.receipt;

import io.aitbc.coordinator.gateway.auth.Caller;
import io.aitbc.coordinator.gateway.auth.Role;
import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.Backend;
import io.aitbc.coordinator.gateway.web.RequestContext;
import io.aitbc.coordinator.receipt.ConsistencyProof;
import io.aitbc.coordinator.receipt.InclusionProof;
import io.aitbc.coordinator.receipt.LogCheckpoint;
import io.aitbc.coordinator.receipt.ReceiptDocument;
import io.aitbc.coordinator.receipt.ReceiptService;
import io.aitbc.coordinator.receipt.SigningKeyView;
import io.aitbc.coordinator.receipt.verify.ReceiptVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Signed receipts, the keys that sign them and the transparency log. Receipts go out as their
 * stored RFC 8785 text, never re-serialised, so a client can check the bytes it received.
 *
 * <p>A client reads the receipts of its own jobs, a miner those of the jobs it ran, auditors and
 * admins every receipt; another caller gets 404, as for jobs. Keys, checkpoints and proofs are
 * public to every key; log entries carry every client's receipts, so only auditors and admins page
 * through them.
 */
@RestController
class ReceiptController {

    private static final Logger logger = LoggerFactory.getLogger(ReceiptController.class);

    private final Backend backend;
    private final ReceiptService receipts;

    ReceiptController(Backend backend, ReceiptService receipts) {
        this.backend = backend;
        this.receipts = receipts;
    }

    @GetMapping("/v1/jobs/{jobId}/receipt")
    Mono<ResponseEntity<String>> jobReceipt(RequestContext context, @PathVariable String jobId) {
        return receipt(context, jobId, false);
    }

    @GetMapping("/v1/receipts/{jobId}")
    Mono<ResponseEntity<String>> receipt(RequestContext context, @PathVariable String jobId,
                                         @RequestParam(defaultValue = "false") boolean proof) {
        return backend.blocking(context, () -> visible(context.caller(), jobId, proof))
                .map(ReceiptController::json);
    }

    @GetMapping("/v1/receipts/keys")
    Mono<KeyList> keys(RequestContext context) {
        return backend.blocking(context, () -> new KeyList(receipts.keys()));
    }

    @PostMapping("/v1/admin/receipts/keys/rotate")
    Mono<SigningKeyView> rotate(RequestContext context) {
        context.caller().require(Role.ADMIN);
        return backend.blocking(context, () -> {
            SigningKeyView key = receipts.rotateKey();
            logger.info("Receipt signing key rotated to [{}] by [{}]", key.keyId(), context.caller().principal());
            return key;
        });
    }

    /** The body is read as text: the verifier checks the receipt's own bytes, not a re-serialised copy. */
    @PostMapping("/v1/receipts/verify")
    Mono<ReceiptVerdict> verify(RequestContext context, @RequestBody String body) {
        return backend.blocking(context, () -> receipts.verify(body));
    }

    @GetMapping("/v1/receipts/log/checkpoint")
    Mono<LogCheckpoint> checkpoint(RequestContext context) {
        return backend.blocking(context, receipts::checkpoint);
    }

    @GetMapping("/v1/receipts/log/proof/inclusion")
    Mono<InclusionProof> inclusionProof(RequestContext context, @RequestParam long index, @RequestParam long size) {
        return backend.blocking(context, () -> receipts.inclusionProof(index, size));
    }

    @GetMapping("/v1/receipts/log/proof/consistency")
    Mono<ConsistencyProof> consistencyProof(RequestContext context, @RequestParam long from, @RequestParam long to) {
        return backend.blocking(context, () -> receipts.consistencyProof(from, to));
    }

    /** Leaves {@code start} to {@code end}, both included as in RFC 6962, at most 1000 per call. */
    @GetMapping("/v1/receipts/log/entries")
    Mono<ResponseEntity<String>> entries(RequestContext context, @RequestParam long start, @RequestParam long end) {
        context.caller().require(Role.AUDITOR, Role.ADMIN);
        return backend.blocking(context, () -> receipts.entries(start, end).json())
                .map(ReceiptController::json);
    }

    private String visible(Caller caller, String jobId, boolean proof) {
        Optional<ReceiptDocument> receipt = receipts.findByJobId(jobId).filter(found -> mayRead(caller, found));
        if (receipt.isEmpty()) {
            throw ApiException.notFound("RECEIPT_NOT_FOUND", "No receipt for job " + jobId + " is visible to this key");
        }
        if (!proof) {
            return receipt.get().json();
        }
        return receipts.findBundle(jobId)
                .orElseThrow(() -> new IllegalStateException("The receipt of job " + jobId + " vanished"))
                .json();
    }

    private static boolean mayRead(Caller caller, ReceiptDocument receipt) {
        return switch (caller.role()) {
            case AUDITOR, ADMIN -> true;
            case CLIENT -> Objects.equals(receipt.clientId(), caller.principal());
            case MINER -> Objects.equals(receipt.minerId(), caller.principal());
        };
    }

    private static ResponseEntity<String> json(String body) {
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .body(body);
    }

    /** {@code {"keys": […]}}, oldest first. */
    record KeyList(List<SigningKeyView> keys) {
    }
}
