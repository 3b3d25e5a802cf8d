package io.aitbc.coordinator.receipt;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A log held in memory: recomputes a tree from the events to compare it with the stored one, and
 * lets the benchmark measure proofs without a database.
 */
final class MemoryLog implements LogTree.Nodes {

    private final List<List<byte[]>> heights = new ArrayList<>();
    private long size;

    long size() {
        return size;
    }

    void append(byte[] leafHash) {
        Map<LogTree.NodeKey, byte[]> siblings = load(LogTree.appendSiblings(size));
        LogTree.appendNodes(size, leafHash, siblings).forEach((key, hash) -> {
            while (heights.size() <= key.height()) {
                heights.add(new ArrayList<>());
            }
            heights.get(key.height()).add(hash);
        });
        size++;
    }

    byte[] root() {
        return LogTree.root(size, this);
    }

    byte[] leafHash(long index) {
        return heights.get(0).get((int) index);
    }

    @Override
    public Map<LogTree.NodeKey, byte[]> load(Collection<LogTree.NodeKey> keys) {
        Map<LogTree.NodeKey, byte[]> found = new HashMap<>();
        for (LogTree.NodeKey key : keys) {
            found.put(key, heights.get(key.height()).get((int) key.index()));
        }
        return found;
    }
}
