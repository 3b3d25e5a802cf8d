package io.aitbc.coordinator.receipt.verify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A transparency-log checkpoint in the C2SP signed-note form (c2sp.org/signed-note and
 * c2sp.org/tlog-checkpoint):
 *
 * <pre>
 * &lt;origin&gt;
 * &lt;tree size in decimal&gt;
 * &lt;root hash in base64&gt;
 *
 * &#8212; &lt;key name&gt; &lt;base64(key hash || Ed25519 signature)&gt;
 * </pre>
 *
 * The signature covers the note text: the three lines above the blank line, each ending in a
 * newline. The key hash is the first four bytes of {@code SHA-256(key name || 0x0A || 0x01 || raw
 * public key)}, 0x01 naming Ed25519. The coordinator names its keys after the log's origin.
 *
 * @param origin     the log's unique name
 * @param treeSize   how many leaves the tree has
 * @param rootHash   the RFC 6962 root hash of those leaves
 * @param text       the signed note text
 * @param signatures the signature lines, in order
 */
public record SignedCheckpoint(String origin, long treeSize, byte[] rootHash, String text,
        List<NoteSignature> signatures) {

    /** One signature line. */
    public record NoteSignature(String keyName, byte[] keyHash, byte[] signature) {
    }

    private static final String DASH = "\u2014 ";
    private static final byte ED25519 = 0x01;
    private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,18}");

    public SignedCheckpoint {
        rootHash = rootHash.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] rootHash() {
        return rootHash.clone();
    }

    /** Signs a checkpoint; Ed25519 is deterministic, so the same tree and key always give the same note. */
    public static String sign(String origin, long treeSize, byte[] rootHash, String keyName, byte[] privateKey) {
        String text = origin + "\n" + treeSize + "\n" + ReceiptFormat.base64(rootHash) + "\n";
        byte[] signature = Ed25519Signatures.sign(privateKey, text.getBytes(StandardCharsets.UTF_8));
        byte[] keyHash = keyHash(keyName, Ed25519Signatures.publicKey(privateKey));
        byte[] line = new byte[keyHash.length + signature.length];
        System.arraycopy(keyHash, 0, line, 0, keyHash.length);
        System.arraycopy(signature, 0, line, keyHash.length, signature.length);
        return text + "\n" + DASH + keyName + " " + ReceiptFormat.base64(line) + "\n";
    }

    /** The signed-note key hash of an Ed25519 key: 4 bytes. */
    public static byte[] keyHash(String keyName, byte[] publicKey) {
        byte[] prefix = (keyName + "\n").getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(ReceiptFormat.sha256(prefix, new byte[] {ED25519}, publicKey), 4);
    }

    /**
     * Parses a signed note, strictly: no carriage returns, a canonical size and root, at least one
     * well-formed signature line.
     *
     * @throws IllegalArgumentException saying what is malformed
     */
    public static SignedCheckpoint parse(String note) {
        Objects.requireNonNull(note, "note");
        if (note.indexOf('\r') >= 0 || !note.endsWith("\n")) {
            throw new IllegalArgumentException("checkpoint is not a signed note (line ends)");
        }
        int split = note.indexOf("\n\n");
        if (split < 0) {
            throw new IllegalArgumentException("checkpoint has no signature block");
        }
        String text = note.substring(0, split + 1);
        String[] lines = text.split("\n", -1);
        if (lines.length < 4 || lines[0].isEmpty()) {
            throw new IllegalArgumentException("checkpoint text needs an origin, a tree size and a root hash");
        }
        if (!SIZE.matcher(lines[1]).matches()) {
            throw new IllegalArgumentException("checkpoint tree size is not a decimal number");
        }
        byte[] root = ReceiptFormat.decodeBase64(lines[2]);
        if (root == null || root.length != MerkleTree.HASH_SIZE) {
            throw new IllegalArgumentException("checkpoint root hash is not 32 bytes of base64");
        }
        List<NoteSignature> signatures = new ArrayList<>();
        for (String line : note.substring(split + 2).split("\n")) {
            signatures.add(signatureLine(line));
        }
        return new SignedCheckpoint(lines[0], Long.parseLong(lines[1]), root, text, signatures);
    }

    /** The first key among {@code keys} that signed this note under {@code keyName}, or {@code null}. */
    public TrustedKey signedBy(Collection<TrustedKey> keys) {
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        for (NoteSignature signature : signatures) {
            for (TrustedKey key : keys) {
                byte[] publicKey = key.publicKey();
                if (Arrays.equals(keyHash(signature.keyName(), publicKey), signature.keyHash())
                        && Ed25519Signatures.verify(publicKey, message, signature.signature())) {
                    return key;
                }
            }
        }
        return null;
    }

    private static NoteSignature signatureLine(String line) {
        if (!line.startsWith(DASH)) {
            throw new IllegalArgumentException("checkpoint signature line does not start with an em dash");
        }
        String[] parts = line.substring(DASH.length()).split(" ", -1);
        byte[] bytes = parts.length == 2 && !parts[0].isEmpty() ? ReceiptFormat.decodeBase64(parts[1]) : null;
        if (bytes == null || bytes.length != 4 + Ed25519Signatures.SIGNATURE_SIZE) {
            throw new IllegalArgumentException("checkpoint signature line is malformed");
        }
        return new NoteSignature(parts[0], Arrays.copyOf(bytes, 4), Arrays.copyOfRange(bytes, 4, bytes.length));
    }
}
