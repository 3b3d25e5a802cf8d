package io.aitbc.coordinator.receipt.verify;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 Merkle tree hashing and the RFC 9162 proof verification algorithms (sections 2.1.3.2 and
 * 2.1.4.2). A leaf hashes as {@code SHA-256(0x00 || bytes)}, an inner node as
 * {@code SHA-256(0x01 || left || right)}; the tree over n leaves splits at the largest power of two
 * below n.
 */
public final class MerkleTree {

    public static final int HASH_SIZE = 32;

    private static final byte[] LEAF_PREFIX = {0x00};
    private static final byte[] NODE_PREFIX = {0x01};

    private MerkleTree() {
    }

    public static byte[] leafHash(byte[] leaf) {
        return ReceiptFormat.sha256(LEAF_PREFIX, leaf);
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        return ReceiptFormat.sha256(NODE_PREFIX, left, right);
    }

    /** The root of the empty tree: SHA-256 of no bytes. */
    public static byte[] emptyRoot() {
        return ReceiptFormat.sha256();
    }

    /** The root over leaf hashes held in memory; for small trees and tests. */
    public static byte[] root(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) {
            return emptyRoot();
        }
        List<byte[]> level = new ArrayList<>(leafHashes);
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i + 1 < level.size(); i += 2) {
                next.add(nodeHash(level.get(i), level.get(i + 1)));
            }
            // an odd node is carried up unchanged, which is exactly RFC 6962's split at a power of two
            if (level.size() % 2 == 1) {
                next.add(level.get(level.size() - 1));
            }
            level = next;
        }
        return level.get(0);
    }

    /**
     * RFC 9162 section 2.1.3.2: true when {@code proof} leads from the leaf at {@code index} to
     * {@code root} in a tree of {@code size} leaves.
     */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size || !wellFormed(proof) || leafHash.length != HASH_SIZE) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /**
     * RFC 9162 section 2.1.4.2: true when {@code proof} shows that the tree of {@code firstSize}
     * leaves with root {@code firstRoot} is a prefix of the tree of {@code secondSize} leaves with root
     * {@code secondRoot}. Equal sizes need an empty proof and equal roots; every tree extends the
     * empty tree.
     */
    public static boolean verifyConsistency(long firstSize, long secondSize, byte[] firstRoot, byte[] secondRoot,
            List<byte[]> proof) {
        if (firstSize < 0 || secondSize < firstSize || !wellFormed(proof)) {
            return false;
        }
        if (firstSize == secondSize) {
            return proof.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
        }
        if (firstSize == 0) {
            return proof.isEmpty();
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(firstSize) == 1) {
            path.add(0, firstRoot);
        }
        long fn = firstSize - 1;
        long sn = secondSize - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
    }

    private static boolean wellFormed(List<byte[]> hashes) {
        for (byte[] hash : hashes) {
            if (hash == null || hash.length != HASH_SIZE) {
                return false;
            }
        }
        return hashes.size() <= 64;
    }
}
