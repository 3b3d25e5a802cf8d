package io.aitbc.coordinator.receipt.verify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 8032 section 7.1 test vectors, and the strict checks on top of them. */
class Ed25519SignaturesTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final BigInteger L = BigInteger.ONE.shiftLeft(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));

    @ParameterizedTest(name = "RFC 8032 {0}")
    @CsvSource({
            "TEST 1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, "
                    + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
                    + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
                    + "1cf9b46bd25bf5f0595bbe24655141438e7a100b",
            "TEST 2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, "
                    + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
                    + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
                    + "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            "TEST 3, c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7, "
                    + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82, "
                    + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
                    + "984dc6594a7c15e9716ed28dc027beceea1ec40a",
            "TEST SHA(abc), 833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42, "
                    + "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf, "
                    + "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23"
                    + "a3feebbd454d4423643ce80e2a9ac94fa54ca49f, "
                    + "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c6"
                    + "6431e0303dca179c138ac17ad9bef1177331a704"
    })
    void rfc8032VectorsSignAndVerify(String name, String secret, String publicKey, String message, String signature) {
        byte[] privateKey = HEX.parseHex(secret);
        byte[] messageBytes = HEX.parseHex(message);

        assertThat(HEX.formatHex(Ed25519Signatures.publicKey(privateKey))).isEqualTo(publicKey);
        assertThat(HEX.formatHex(Ed25519Signatures.sign(privateKey, messageBytes))).isEqualTo(signature);
        assertThat(Ed25519Signatures.verify(HEX.parseHex(publicKey), messageBytes, HEX.parseHex(signature))).isTrue();
    }

    @Test
    void signatureWithSPlusLIsRefused() {
        byte[] privateKey = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] publicKey = Ed25519Signatures.publicKey(privateKey);
        byte[] signature = Ed25519Signatures.sign(privateKey, new byte[0]);

        byte[] malleated = withSPlusL(signature);

        assertThat(Ed25519Signatures.hasCanonicalScalar(signature)).isTrue();
        assertThat(Ed25519Signatures.hasCanonicalScalar(malleated)).isFalse();
        assertThat(Ed25519Signatures.verify(publicKey, new byte[0], malleated)).isFalse();
    }

    @ParameterizedTest(name = "small-order point {0}")
    @ValueSource(strings = {
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
    })
    void smallOrderKeysAreRefused(String encoded) {
        byte[] key = HEX.parseHex(encoded);

        assertThat(Ed25519Signatures.publicKeyProblem(key)).isEqualTo("public key is a small-order point");
    }

    @Test
    void smallOrderKeyWouldOtherwiseVerifyAnyMessage() {
        byte[] identity = HEX.parseHex("0100000000000000000000000000000000000000000000000000000000000000");
        // R = identity, S = 0 satisfies [S]B = R + [k]A for every message when A is the identity
        byte[] signature = new byte[64];
        System.arraycopy(identity, 0, signature, 0, 32);

        assertThat(Ed25519Signatures.verify(identity, "any receipt".getBytes(), signature)).isFalse();
    }

    @Test
    void nonCanonicalKeyEncodingIsRefused() {
        // y = p + 1 is not reduced
        byte[] key = HEX.parseHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

        assertThat(Ed25519Signatures.publicKeyProblem(key)).isNotNull();
    }

    @Test
    void ordinaryKeyPassesTheChecks() {
        byte[] key = Ed25519Signatures.publicKey(Ed25519Signatures.newPrivateKey());

        assertThat(Ed25519Signatures.publicKeyProblem(key)).isNull();
    }

    static byte[] withSPlusL(byte[] signature) {
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        BigInteger value = new BigInteger(1, reverse(s)).add(L);
        byte[] bigEndian = value.toByteArray();
        byte[] littleEndian = new byte[32];
        for (int i = 0; i < 32 && i < bigEndian.length; i++) {
            littleEndian[i] = bigEndian[bigEndian.length - 1 - i];
        }
        byte[] malleated = signature.clone();
        System.arraycopy(littleEndian, 0, malleated, 32, 32);
        return malleated;
    }

    private static byte[] reverse(byte[] bytes) {
        byte[] reversed = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            reversed[i] = bytes[bytes.length - 1 - i];
        }
        return reversed;
    }
}
