package io.aitbc.coordinator.receipt.verify;

/**
 * JSON that has no RFC 8785 form: a string with a lone surrogate, a number that is not finite, a
 * value that is not JSON at all. Such input is refused, never signed or hashed after a silent
 * replacement, so the gateway answers it with 400.
 */
public class CanonicalizationException extends IllegalArgumentException {

    public CanonicalizationException(String message) {
        super(message);
    }
}
