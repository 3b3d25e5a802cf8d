package io.aitbc.coordinator.receipt;

import java.math.BigInteger;
import java.util.Arrays;

/** Builds the non-canonical twin of a signature: the same R with S + L. */
final class Ed25519SignaturesAccess {

    private static final BigInteger L = BigInteger.ONE.shiftLeft(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));

    private Ed25519SignaturesAccess() {
    }

    static byte[] withSPlusL(byte[] signature) {
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = s[31 - i];
        }
        byte[] sum = new BigInteger(1, bigEndian).add(L).toByteArray();
        byte[] malleated = signature.clone();
        for (int i = 0; i < 32; i++) {
            malleated[32 + i] = i < sum.length ? sum[sum.length - 1 - i] : 0;
        }
        return malleated;
    }
}
