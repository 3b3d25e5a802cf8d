package io.aitbc.coordinator.gateway.web;

import io.aitbc.coordinator.gateway.auth.ApiKeyFilter;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Lets handlers take a {@link RequestContext} parameter: the authenticated caller and the request id. */
@Configuration(proxyBeanMethods = false)
class RequestContextResolver implements WebFluxConfigurer, HandlerMethodArgumentResolver {

    @Override
    public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
        configurer.addCustomResolver(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == RequestContext.class;
    }

    @Override
    public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
                                        ServerWebExchange exchange) {
        return ApiKeyFilter.callerOf(exchange)
                .<Mono<Object>>map(caller -> Mono.just(new RequestContext(caller, RequestIds.of(exchange))))
                .orElseGet(() -> Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "MISSING_API_KEY",
                        "Send your API key in the X-API-Key header")));
    }
}
