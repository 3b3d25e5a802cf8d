package io.aitbc.coordinator.cluster;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;

/**
 * What a coordinator needs to share one JVM with another one as a separate node; separate processes
 * never need it. Deliberately not a {@code @Configuration}: only the cluster test adds it to its contexts.
 */
class InProcessNode {

    /** Axon names a node after its JVM, so two nodes in one JVM would hold each other's claims. */
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
