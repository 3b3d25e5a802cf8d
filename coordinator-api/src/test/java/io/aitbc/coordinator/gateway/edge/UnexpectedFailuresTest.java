package io.aitbc.coordinator.gateway.edge;

import io.aitbc.coordinator.gateway.web.ApiException;
import io.aitbc.coordinator.gateway.web.ErrorResponses;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.BadSqlGrammarException;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/** Failures nobody planned for leave as a plain 500 that names the request id and nothing inside. */
class UnexpectedFailuresTest {

    @Test
    void sqlFailureLeavesNoSqlInTheAnswer() {
        var failure = new BadSqlGrammarException("query", "SELECT secret_hash FROM api_key WHERE key_id = ?",
                new SQLException("ERROR: relation \"api_key\" does not exist"));

        ApiException answer = ErrorResponses.toApiException(new CompletionException(failure), "req_sql");

        assertThat(answer.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(answer.code()).isEqualTo("INTERNAL_ERROR");
        assertThat(answer.getMessage()).contains("req_sql").doesNotContain("SELECT", "api_key", "relation");
        assertThat(answer.details()).isEmpty();
    }

    @Test
    void runtimeFailureLeavesNoClassNameInTheAnswer() {
        ApiException answer = ErrorResponses.toApiException(
                new DataIntegrityViolationException("duplicate key value violates unique constraint"), "req_dup");

        assertThat(answer.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(answer.getMessage()).doesNotContain("Exception", "duplicate", "constraint");
    }

    @Test
    void nullPointerBecomesAPlainInternalError() {
        ApiException answer = ErrorResponses.toApiException(new NullPointerException("field x"), "req_npe");

        assertThat(answer.code()).isEqualTo("INTERNAL_ERROR");
        assertThat(answer.getMessage()).doesNotContain("field x", "NullPointer");
    }
}
