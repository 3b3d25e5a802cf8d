package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.MerkleTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6962 trees, audit paths and consistency proofs for small trees, computed here independently
 * by the RFC's own recursive definitions over the raw leaves, against the stored-subtree
 * computation of {@link LogTree} and the RFC 9162 verification of {@link MerkleTree}.
 */
class TransparencyLogTest {

    private static final HexFormat HEX = HexFormat.of();

    /** The eight leaves of the RFC 6962 reference test data used by Certificate Transparency logs. */
    private static final List<byte[]> LEAVES = List.of(HEX.parseHex(""), HEX.parseHex("00"), HEX.parseHex("10"),
            HEX.parseHex("2021"), HEX.parseHex("3031"), HEX.parseHex("40414243"),
            HEX.parseHex("5051525354555657"), HEX.parseHex("606162636465666768696a6b6c6d6e6f"));

    @ParameterizedTest(name = "root of {0} leaves")
    @CsvSource({
            "1, 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "2, fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "3, aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "4, d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "5, 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "6, 76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "7, ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "8, 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    })
    void rootsMatchTheReferenceTestData(int size, String expectedRoot) {
        List<byte[]> leaves = LEAVES.subList(0, size);

        assertThat(HEX.formatHex(mth(leaves))).isEqualTo(expectedRoot);
        assertThat(HEX.formatHex(logOf(leaves).root())).isEqualTo(expectedRoot);
        assertThat(HEX.formatHex(MerkleTree.root(leaves.stream().map(MerkleTree::leafHash).toList())))
                .isEqualTo(expectedRoot);
    }

    @Test
    void emptyTreeRootIsTheHashOfNothing() {
        assertThat(HEX.formatHex(new MemoryLog().root()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void everyAuditPathOfTreesUpTo33LeavesMatchesTheRfcAndVerifies() {
        List<byte[]> leaves = leaves(33);
        for (int size = 1; size <= leaves.size(); size++) {
            List<byte[]> tree = leaves.subList(0, size);
            MemoryLog log = logOf(tree);
            byte[] root = mth(tree);
            for (int index = 0; index < size; index++) {
                List<byte[]> proof = LogTree.inclusionProof(index, size, log);

                assertThat(hex(proof)).as("PATH(%d, D[%d])", index, size).isEqualTo(hex(path(index, tree)));
                assertThat(MerkleTree.verifyInclusion(index, size, MerkleTree.leafHash(tree.get(index)), proof, root))
                        .isTrue();
            }
        }
    }

    @Test
    void everyConsistencyProofOfTreesUpTo33LeavesMatchesTheRfcAndVerifies() {
        List<byte[]> leaves = leaves(33);
        MemoryLog log = logOf(leaves);
        for (int second = 1; second <= leaves.size(); second++) {
            for (int first = 1; first <= second; first++) {
                List<byte[]> proof = LogTree.consistencyProof(first, second, log);

                assertThat(hex(proof)).as("PROOF(%d, D[%d])", first, second)
                        .isEqualTo(first == second ? List.of() : hex(subproof(first, leaves.subList(0, second), true)));
                assertThat(MerkleTree.verifyConsistency(first, second, mth(leaves.subList(0, first)),
                        mth(leaves.subList(0, second)), proof)).isTrue();
            }
        }
    }

    @Test
    void inclusionProofForAnotherLeafFails() {
        List<byte[]> leaves = leaves(11);
        MemoryLog log = logOf(leaves);
        List<byte[]> proofOfFour = LogTree.inclusionProof(4, 11, log);

        boolean verified = MerkleTree.verifyInclusion(4, 11, MerkleTree.leafHash(leaves.get(5)), proofOfFour,
                log.root());

        assertThat(verified).isFalse();
    }

    @Test
    void inclusionProofAtAnotherIndexFails() {
        List<byte[]> leaves = leaves(11);
        MemoryLog log = logOf(leaves);
        List<byte[]> proof = LogTree.inclusionProof(4, 11, log);

        // a wrong tree size of the same shape would pass: the size comes from the signed checkpoint
        assertThat(MerkleTree.verifyInclusion(5, 11, MerkleTree.leafHash(leaves.get(4)), proof, log.root())).isFalse();
    }

    @Test
    void rewrittenHistoryFailsConsistency() {
        // given: an honest log of 6 leaves that an operator later rewrites at leaf 2 and extends to 9
        List<byte[]> honest = leaves(6);
        List<byte[]> rewritten = new ArrayList<>(leaves(9));
        rewritten.set(2, "forged receipt".getBytes());
        MemoryLog rewrittenLog = logOf(rewritten);

        // when: the rewritten log proves its 9-leaf tree extends the 6-leaf tree the auditor saw
        List<byte[]> proof = LogTree.consistencyProof(6, 9, rewrittenLog);

        // then
        assertThat(MerkleTree.verifyConsistency(6, 9, mth(honest), rewrittenLog.root(), proof)).isFalse();
    }

    @Test
    void shrunkLogFailsConsistency() {
        List<byte[]> leaves = leaves(8);

        assertThat(MerkleTree.verifyConsistency(8, 6, mth(leaves), mth(leaves.subList(0, 6)), List.of())).isFalse();
    }

    @Test
    void equalSizesNeedEqualRoots() {
        List<byte[]> leaves = leaves(5);
        List<byte[]> other = new ArrayList<>(leaves);
        other.set(4, "other".getBytes());

        assertThat(MerkleTree.verifyConsistency(5, 5, mth(leaves), mth(leaves), List.of())).isTrue();
        assertThat(MerkleTree.verifyConsistency(5, 5, mth(leaves), mth(other), List.of())).isFalse();
    }

    private static MemoryLog logOf(List<byte[]> leaves) {
        MemoryLog log = new MemoryLog();
        leaves.forEach(leaf -> log.append(MerkleTree.leafHash(leaf)));
        return log;
    }

    private static List<byte[]> leaves(int count) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leaves.add(("leaf " + i).getBytes());
        }
        return leaves;
    }

    // RFC 6962 section 2.1, written out directly over the leaves

    private static byte[] mth(List<byte[]> d) {
        if (d.isEmpty()) {
            return sha256();
        }
        if (d.size() == 1) {
            return sha256(new byte[] {0}, d.get(0));
        }
        int k = k(d.size());
        return sha256(new byte[] {1}, mth(d.subList(0, k)), mth(d.subList(k, d.size())));
    }

    private static List<byte[]> path(int m, List<byte[]> d) {
        List<byte[]> proof = new ArrayList<>();
        if (d.size() <= 1) {
            return proof;
        }
        int k = k(d.size());
        if (m < k) {
            proof.addAll(path(m, d.subList(0, k)));
            proof.add(mth(d.subList(k, d.size())));
        } else {
            proof.addAll(path(m - k, d.subList(k, d.size())));
            proof.add(mth(d.subList(0, k)));
        }
        return proof;
    }

    private static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
        List<byte[]> proof = new ArrayList<>();
        if (m == d.size()) {
            if (!b) {
                proof.add(mth(d));
            }
            return proof;
        }
        int k = k(d.size());
        if (m <= k) {
            proof.addAll(subproof(m, d.subList(0, k), b));
            proof.add(mth(d.subList(k, d.size())));
        } else {
            proof.addAll(subproof(m - k, d.subList(k, d.size()), false));
            proof.add(mth(d.subList(0, k)));
        }
        return proof;
    }

    /** The largest power of two smaller than n. */
    private static int k(int n) {
        int k = 1;
        while (k << 1 < n) {
            k <<= 1;
        }
        return k;
    }

    private static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }
}
