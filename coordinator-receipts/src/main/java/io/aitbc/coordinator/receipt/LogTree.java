package io.aitbc.coordinator.receipt;

import io.aitbc.coordinator.receipt.verify.MerkleTree;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * RFC 6962 roots and proofs (sections 2.1.1 and 2.1.2) computed from stored perfect subtrees.
 *
 * <p>Every range the RFC's recursion visits is either a perfect subtree aligned to its size, which
 * never changes once its last leaf is in and is stored as a node {@code (height, index)}, or a range
 * that ends at the tree's size, which is combined from such nodes on the fly. So an append writes at
 * most {@code log2(n) + 1} nodes, and a proof reads at most {@code log2(n)^2} of them.
 */
final class LogTree {

    /** Where a perfect subtree's hash is kept: height h covers leaves {@code index * 2^h} onwards. */
    record NodeKey(int height, long index) {
    }

    /** Reads stored perfect-subtree hashes. */
    interface Nodes {
        /** The hashes of {@code keys}; every key asked for exists. */
        Map<NodeKey, byte[]> load(Collection<NodeKey> keys);
    }

    private LogTree() {
    }

    /** The nodes an append of the leaf at {@code index} needs: the left siblings it completes. */
    static List<NodeKey> appendSiblings(long index) {
        List<NodeKey> siblings = new ArrayList<>();
        long i = index;
        for (int height = 0; (i & 1) == 1; height++, i >>= 1) {
            siblings.add(new NodeKey(height, i - 1));
        }
        return siblings;
    }

    /**
     * The perfect subtrees along the right edge of a tree of {@code size} leaves, one per set bit of
     * the size: everything later appends combine with.
     */
    static List<NodeKey> rightEdge(long size) {
        List<NodeKey> edge = new ArrayList<>();
        for (int height = 0; height < 63; height++) {
            if ((size >> height & 1) == 1) {
                edge.add(new NodeKey(height, (size >> height) - 1));
            }
        }
        return edge;
    }

    /** The nodes the leaf at {@code index} creates: itself and every subtree it completes. */
    static Map<NodeKey, byte[]> appendNodes(long index, byte[] leafHash, Map<NodeKey, byte[]> siblings) {
        Map<NodeKey, byte[]> created = new LinkedHashMap<>();
        created.put(new NodeKey(0, index), leafHash);
        byte[] hash = leafHash;
        long i = index;
        for (int height = 0; (i & 1) == 1; height++, i >>= 1) {
            hash = MerkleTree.nodeHash(siblings.get(new NodeKey(height, i - 1)), hash);
            created.put(new NodeKey(height + 1, i >> 1), hash);
        }
        return created;
    }

    static byte[] root(long size, Nodes nodes) {
        if (size == 0) {
            return MerkleTree.emptyRoot();
        }
        return new Computation(nodes).run(c -> c.hash(0, size));
    }

    /** RFC 6962 PATH(index, D[0:size]), leaf side first. */
    static List<byte[]> inclusionProof(long index, long size, Nodes nodes) {
        return new Computation(nodes).runList(c -> c.path(index, 0, size));
    }

    /** RFC 6962 PROOF(first, D[0:second]); empty when the sizes are equal or {@code first} is 0. */
    static List<byte[]> consistencyProof(long first, long second, Nodes nodes) {
        if (first == 0 || first == second) {
            return List.of();
        }
        return new Computation(nodes).runList(c -> c.subproof(first, 0, second, true));
    }

    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    /**
     * Runs a recursion twice: once to learn which nodes it reads, so they load in one round trip, and
     * once with them loaded.
     */
    private static final class Computation {
        private static final byte[] PLACEHOLDER = new byte[MerkleTree.HASH_SIZE];

        private final Nodes nodes;
        private final Set<NodeKey> wanted = new LinkedHashSet<>();
        private Map<NodeKey, byte[]> loaded;
        private List<byte[]> out = new ArrayList<>();

        Computation(Nodes nodes) {
            this.nodes = nodes;
        }

        byte[] run(Function<Computation, byte[]> recursion) {
            recursion.apply(this);
            loaded = nodes.load(wanted);
            return recursion.apply(this);
        }

        List<byte[]> runList(Consumer<Computation> recursion) {
            recursion.accept(this);
            loaded = nodes.load(wanted);
            out = new ArrayList<>();
            recursion.accept(this);
            return List.copyOf(out);
        }

        /** MTH(D[start:end]). */
        byte[] hash(long start, long end) {
            long n = end - start;
            if (Long.bitCount(n) == 1 && start % n == 0) {
                NodeKey key = new NodeKey(Long.numberOfTrailingZeros(n), start / n);
                if (loaded == null) {
                    wanted.add(key);
                    return PLACEHOLDER;
                }
                byte[] hash = loaded.get(key);
                if (hash == null) {
                    throw new IllegalStateException("The log lacks its node " + key);
                }
                return hash;
            }
            long k = largestPowerOfTwoBelow(n);
            return loaded == null ? hashBoth(start, start + k, end)
                    : MerkleTree.nodeHash(hash(start, start + k), hash(start + k, end));
        }

        private byte[] hashBoth(long start, long middle, long end) {
            hash(start, middle);
            hash(middle, end);
            return PLACEHOLDER;
        }

        void path(long m, long start, long end) {
            long n = end - start;
            if (n <= 1) {
                return;
            }
            long k = largestPowerOfTwoBelow(n);
            if (m < start + k) {
                path(m, start, start + k);
                out.add(hash(start + k, end));
            } else {
                path(m, start + k, end);
                out.add(hash(start, start + k));
            }
        }

        void subproof(long m, long start, long end, boolean complete) {
            if (m == end) {
                if (!complete) {
                    out.add(hash(start, end));
                }
                return;
            }
            long k = largestPowerOfTwoBelow(end - start);
            if (m <= start + k) {
                subproof(m, start, start + k, complete);
                out.add(hash(start + k, end));
            } else {
                subproof(m, start + k, end, false);
                out.add(hash(start, start + k));
            }
        }
    }
}
