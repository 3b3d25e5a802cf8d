package io.aitbc.coordinator.cluster;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;

/**
 * A token store that claims under the node's own name. Axon names a node after its JVM, so two
 * coordinators in one test JVM would hold each other's claims; separate processes never need this.
 * Deliberately not a {@code @Configuration}: only the cluster test adds it to its contexts.
 */
class NodeTokenStore {

    @Bean
    TokenStore tokenStore(ConnectionProvider connectionProvider, Serializer serializer, TokenSchema tokenSchema,
                          @Value("${coordinator.test.node-id}") String nodeId) {
        return JdbcTokenStore.builder()
                .connectionProvider(connectionProvider)
                .serializer(serializer)
                .schema(tokenSchema)
                .contentType(byte[].class)
                .nodeId(nodeId)
                .build();
    }
}
