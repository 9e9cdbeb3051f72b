#!/usr/bin/env python3
"""Independent verifier for Herald's signed checkpoints, using only the Python standard library.

It shares no code with Herald (TypeScript): it re-implements the C2SP signed-note and
tlog-checkpoint formats, Ed25519 verification (the RFC 8032 section 6 reference code) and RFC 9162
inclusion-proof verification, so that a bug in Herald is not hidden by the same bug here.

    verify_checkpoint.py --key VERIFIER_KEY [--origin ORIGIN] CHECKPOINT_FILE
    verify_checkpoint.py --key VERIFIER_KEY --inclusion PROOF_JSON --leaf LEAF_FILE CHECKPOINT_FILE
    verify_checkpoint.py --key VERIFIER_KEY --note-only NOTE_FILE

CHECKPOINT_FILE may be "-" for standard input. PROOF_JSON is {"leafIndex", "treeSize", "path":
[base64 hashes]}; LEAF_FILE holds the raw leaf bytes. Exit status: 0 verified, 1 not verified,
2 usage error.
"""

import argparse
import base64
import hashlib
import json
import re
import sys

# --------------------------------------------------------------------------------------------
# Ed25519 verification: the RFC 8032 section 6 reference code (Python 3), unchanged except for
# reducing x2 mod p in recover_x, raising on a bad signature length, and `is None` checks.

def sha512(s):
    return hashlib.sha512(s).digest()

p = 2**255 - 19

def modp_inv(x):
    return pow(x, p - 2, p)

d = -121665 * modp_inv(121666) % p
q = 2**252 + 27742317777372353535851937790883648493

def sha512_modq(s):
    return int.from_bytes(sha512(s), "little") % q

# Points are tuples (X, Y, Z, T) of extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z.
def point_add(P, Q):
    A, B = (P[1] - P[0]) * (Q[1] - Q[0]) % p, (P[1] + P[0]) * (Q[1] + Q[0]) % p
    C, D = 2 * P[3] * Q[3] * d % p, 2 * P[2] * Q[2] % p
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F, G * H, F * G, E * H)

def point_mul(s, P):
    Q = (0, 1, 1, 0)  # neutral element
    while s > 0:
        if s & 1:
            Q = point_add(Q, P)
        P = point_add(P, P)
        s >>= 1
    return Q

def point_equal(P, Q):
    if (P[0] * Q[2] - Q[0] * P[2]) % p != 0:
        return False
    if (P[1] * Q[2] - Q[1] * P[2]) % p != 0:
        return False
    return True

modp_sqrt_m1 = pow(2, (p - 1) // 4, p)

def recover_x(y, sign):
    if y >= p:
        return None
    x2 = (y * y - 1) * modp_inv(d * y * y + 1) % p
    if x2 == 0:
        if sign:
            return None
        return 0
    x = pow(x2, (p + 3) // 8, p)
    if (x * x - x2) % p != 0:
        x = x * modp_sqrt_m1 % p
    if (x * x - x2) % p != 0:
        return None
    if (x & 1) != sign:
        x = p - x
    return x

g_y = 4 * modp_inv(5) % p
g_x = recover_x(g_y, 0)
G = (g_x, g_y, 1, g_x * g_y % p)

def point_decompress(s):
    if len(s) != 32:
        raise ValueError("Invalid input length for decompression")
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % p)

def ed25519_verify(public, msg, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    A = point_decompress(public)
    if A is None:
        return False
    Rs = signature[:32]
    R = point_decompress(Rs)
    if R is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= q:
        return False
    h = sha512_modq(Rs + public + msg)
    sB = point_mul(s, G)
    hA = point_mul(h, A)
    return point_equal(sB, point_add(R, hA))

# --------------------------------------------------------------------------------------------
# C2SP signed-note and tlog-checkpoint.

class Fail(Exception):
    pass

B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")

def b64decode_strict(s):
    """Canonical standard base64 only (padded, no whitespace, zero pad bits)."""
    if not B64.fullmatch(s):
        raise Fail("not canonical base64")
    raw = base64.b64decode(s, validate=True)
    if base64.b64encode(raw).decode("ascii") != s:
        raise Fail("not canonical base64")
    return raw

def valid_name(name):
    return name != "" and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)

def key_id(name, key_type, public):
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public).digest()[:4]

def parse_verifier_key(text):
    """<name>+<hex key id>+<base64(0x01 || 32-byte Ed25519 public key)>; the base64 may hold '+'."""
    parts = text.split("+", 2)
    if len(parts) != 3 or not valid_name(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Fail("malformed verifier key")
    name, hex_id, b64 = parts
    raw = b64decode_strict(b64)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Fail("verifier key is not an Ed25519 key")
    public = raw[1:]
    if key_id(name, 0x01, public).hex() != hex_id:
        raise Fail("verifier key id does not match the key")
    return name, bytes.fromhex(hex_id), public

def open_note(note, name, kid, public):
    """Returns the note text if a signature by the key verifies (C2SP signed-note rules)."""
    try:
        msg = note.decode("utf-8")
    except UnicodeDecodeError:
        raise Fail("note is not UTF-8")
    if any(ord(c) < 0x20 and c != "\n" for c in msg):
        raise Fail("note contains a control character")
    split = msg.rfind("\n\n")
    if split < 0:
        raise Fail("note has no blank line before its signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    if block == "" or not block.endswith("\n"):
        raise Fail("signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > 100:
        raise Fail("too many signatures")
    verified = False
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Fail("signature line does not start with an em dash")
        sig_name, _, b64 = line[2:].partition(" ")
        blob = b64decode_strict(b64) if b64 else b""
        if not valid_name(sig_name) or len(blob) < 5:
            raise Fail("malformed signature line")
        if sig_name != name or blob[:4] != kid:
            continue  # another key's signature (a witness): not ours to check
        if not ed25519_verify(public, text.encode("utf-8"), blob[4:]):
            raise Fail("signature by %s+%s does not verify" % (name, kid.hex()))
        verified = True
    if not verified:
        raise Fail("no signature by %s+%s" % (name, kid.hex()))
    return text

def parse_checkpoint(text):
    """origin, decimal size, base64 root (32 bytes), then non-empty extension lines."""
    if not text.endswith("\n"):
        raise Fail("checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(line == "" for line in lines):
        raise Fail("checkpoint needs origin, size and root lines, none empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Fail("tree size is not a decimal number")
    root = b64decode_strict(lines[2])
    if len(root) != 32:
        raise Fail("root hash is not 32 bytes")
    return lines[0], int(lines[1]), root, lines[3:]

# --------------------------------------------------------------------------------------------
# RFC 9162 section 2.1.3.2: verifying an inclusion proof.

def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()

def verify_inclusion(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for h in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(h, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, h)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root

# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Verify a Herald signed checkpoint (C2SP formats).")
    ap.add_argument("--key", required=True, help="verifier key <name>+<hex id>+<base64 key>")
    ap.add_argument("--origin", help="expected origin (first line of the checkpoint)")
    ap.add_argument("--note-only", action="store_true", help="only check the signed note")
    ap.add_argument("--inclusion", help="JSON inclusion proof {leafIndex, treeSize, path}")
    ap.add_argument("--leaf", help="file with the raw leaf bytes (with --inclusion)")
    ap.add_argument("file", help="signed checkpoint file, or - for standard input")
    args = ap.parse_args()
    if bool(args.inclusion) != bool(args.leaf):
        ap.error("--inclusion and --leaf go together")
    try:
        name, kid, public = parse_verifier_key(args.key)
        if args.file == "-":
            note = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as f:
                note = f.read()
        text = open_note(note, name, kid, public)
        if args.note_only:
            print("OK: note signed by %s+%s" % (name, kid.hex()))
            return 0
        origin, size, root, _ = parse_checkpoint(text)
        if args.origin is not None and origin != args.origin:
            raise Fail("checkpoint is for origin %r, not %r" % (origin, args.origin))
        if args.inclusion:
            with open(args.inclusion, "r", encoding="utf-8") as f:
                proof = json.load(f)
            with open(args.leaf, "rb") as f:
                leaf = f.read()
            index, tree_size = proof.get("leafIndex"), proof.get("treeSize")
            if not isinstance(index, int) or not isinstance(tree_size, int) or isinstance(index, bool):
                raise Fail("proof leafIndex and treeSize must be integers")
            if tree_size != size:
                raise Fail("proof is for tree size %d, checkpoint has %d" % (tree_size, size))
            path = [b64decode_strict(h) for h in proof.get("path", [])]
            if any(len(h) != 32 for h in path):
                raise Fail("proof hashes must be 32 bytes")
            if not verify_inclusion(leaf_hash(leaf), index, size, path, root):
                raise Fail("leaf %d is not included in the checkpoint's tree" % index)
            print("OK: leaf %d included in %s at size %d" % (index, origin, size))
        else:
            print("OK: %s size %d root %s" % (origin, size, base64.b64encode(root).decode()))
        return 0
    except (Fail, ValueError, OSError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1

if __name__ == "__main__":
    sys.exit(main())
