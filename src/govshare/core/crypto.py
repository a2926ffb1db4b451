"""The node's crypto suite: one interface over international and national (国密) algorithms.

`get_suite("intl")` hashes with SHA-256 and signs with Ed25519 (the `cryptography` package);
`get_suite("sm")` hashes with SM3 and signs with SM2 (GB/T 32918, SM3 digest with the
standard's default user ID 1234567812345678, via the pure-Python `gmssl` package), which is
what 密评 (GB/T 39786-2021) assessments expect of government systems.

gmssl is used only for its curve arithmetic, SM3 and Z_A digest. It has no key generation and
its default signing nonce comes from Python's `random` module (a Mersenne Twister, not a CSPRNG),
so this module draws keys and nonces from `secrets` itself, validates public keys and
signature ranges before verifying, and works around its public-key prefix handling.

Keys are bytes everywhere: Ed25519 raw 32-byte keys; SM2 a 32-byte private scalar and a
64-byte public point x||y. Signatures: Ed25519 64 bytes; SM2 64 bytes r||s.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

SUITES = ("intl", "sm")


def _openssl_sm3() -> object | None:
    """OpenSSL's SM3 through `cryptography` when the linked OpenSSL has it: ~250x faster
    than gmssl's pure-Python SM3, which matters for every audit record and receipt."""
    try:
        from cryptography.hazmat.primitives import hashes

        digest = hashes.Hash(hashes.SM3())
        digest.update(b"abc")
        digest.finalize()
        return hashes
    except Exception:  # OpenSSL built without SM3
        return None


_HASHES = _openssl_sm3()


def _sm3_hex(data: bytes) -> str:
    if _HASHES is None:
        return gm_sm3.sm3_hash(list(data))
    digest = _HASHES.Hash(_HASHES.SM3())  # type: ignore[attr-defined]
    digest.update(data)
    return digest.finalize().hex()

# SM2 recommended curve parameters (GB/T 32918.5), as gmssl carries them.
_SM2 = gm_sm2.default_ecc_table
_N = int(_SM2["n"], 16)
_P = int(_SM2["p"], 16)
_A = int(_SM2["a"], 16)
_B = int(_SM2["b"], 16)


@dataclass(frozen=True)
class KeyPair:
    suite: str
    private_key: bytes
    public_key: bytes

    def __repr__(self) -> str:  # never print private key material into logs
        return f"KeyPair(suite={self.suite!r}, public_key={self.public_key.hex()!r})"


class CryptoSuite(Protocol):
    name: str

    def hash(self, data: bytes) -> str: ...

    def generate_keypair(self) -> KeyPair: ...

    def sign(self, private_key: bytes, data: bytes) -> bytes: ...

    def verify(self, public_key: bytes, data: bytes, signature: bytes) -> bool: ...

    def public_key_of(self, private_key: bytes) -> bytes: ...


class IntlSuite:
    """SHA-256 and Ed25519."""

    name = "intl"

    def hash(self, data: bytes) -> str:
        return sha256(data).hexdigest()

    def generate_keypair(self) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        return KeyPair(self.name, private, self.public_key_of(private))

    def public_key_of(self, private_key: bytes) -> bytes:
        key = Ed25519PrivateKey.from_private_bytes(private_key)
        return key.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)

    def sign(self, private_key: bytes, data: bytes) -> bytes:
        return _ed25519_key(private_key).sign(data)

    def verify(self, public_key: bytes, data: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


def _on_sm2_curve(x: int, y: int) -> bool:
    return 0 <= x < _P and 0 <= y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _sm2_engine(private_hex: str, public_hex: str) -> gm_sm2.CryptSM2:
    engine = gm_sm2.CryptSM2(private_key=private_hex, public_key="")
    # Set after construction: the constructor's `lstrip("04")` also eats leading 0/4 digits
    # of the x coordinate, which would corrupt about one key in 256.
    engine.public_key = public_hex
    return engine


@lru_cache(maxsize=8)
def _ed25519_key(private_key: bytes) -> Ed25519PrivateKey:
    # Parsed once per key: a node signs every data answer with the same key.
    return Ed25519PrivateKey.from_private_bytes(private_key)


@lru_cache(maxsize=8)
def _sm2_signer(private_key: bytes) -> gm_sm2.CryptSM2:
    # The public point is a full scalar multiplication in pure Python (about a third of a
    # signature's cost): derived once per key. The engine holds only the two keys, so one
    # engine signs for every thread; the nonce is drawn per signature by `sign`.
    d = SmSuite._scalar(private_key)
    return _sm2_engine(f"{d:064x}", SmSuite().public_key_of(private_key).hex())


class SmSuite:
    """SM3 and SM2 (signature over SM3(Z_A || M), user ID 1234567812345678)."""

    name = "sm"

    def hash(self, data: bytes) -> str:
        return _sm3_hex(data)

    def generate_keypair(self) -> KeyPair:
        d = secrets.randbelow(_N - 2) + 1  # GB/T 32918.1: d in [1, n-2]
        private = d.to_bytes(32, "big")
        return KeyPair(self.name, private, self.public_key_of(private))

    def public_key_of(self, private_key: bytes) -> bytes:
        d = self._scalar(private_key)
        point = _sm2_engine(f"{d:064x}", "")._kg(d, _SM2["g"])
        return bytes.fromhex(point)

    def sign(self, private_key: bytes, data: bytes) -> bytes:
        engine = _sm2_signer(private_key)
        while True:
            k = secrets.randbelow(_N - 1) + 1  # fresh CSPRNG nonce in [1, n-1]
            signature = engine.sign_with_sm3(data, f"{k:064x}")
            if signature:  # gmssl returns None for the negligible r=0 / r+k=n / s=0 cases
                return bytes.fromhex(signature)

    def verify(self, public_key: bytes, data: bytes, signature: bytes) -> bool:
        try:
            if len(public_key) != 64 or len(signature) != 64:
                return False
            x = int.from_bytes(public_key[:32], "big")
            y = int.from_bytes(public_key[32:], "big")
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            # Range checks gmssl leaves out: without them (r, s + n) would also verify.
            if not (_on_sm2_curve(x, y) and 1 <= r < _N and 1 <= s < _N):
                return False
            engine = _sm2_engine("00" * 32, public_key.hex())
            return bool(engine.verify_with_sm3(signature.hex(), data))
        except Exception:  # noqa: BLE001 - a malformed input is a failed verification
            return False

    @staticmethod
    def _scalar(private_key: bytes) -> int:
        d = int.from_bytes(private_key, "big")
        if len(private_key) != 32 or not 1 <= d <= _N - 2:
            raise ValueError("not an SM2 private key / 不是有效的 SM2 私钥")
        return d


_SUITES: dict[str, CryptoSuite] = {"intl": IntlSuite(), "sm": SmSuite()}


def get_suite(name: str) -> CryptoSuite:
    """The crypto suite called `name`: "intl" (SHA-256, Ed25519) or "sm" (SM3, SM2)."""
    try:
        return _SUITES[name]
    except KeyError:
        raise ValueError(f"unknown crypto suite {name!r}; expected one of {', '.join(SUITES)} / "
                         "未知的密码套件") from None


# --- key files ------------------------------------------------------------------------------

_FILES = {
    "intl": ("ed25519_private.pem", "ed25519_public.pem"),
    "sm": ("sm2_private.hex", "sm2_public.hex"),
}


def _write(path: Path, content: bytes, mode: int) -> None:
    # Write to a temporary file created with the final mode, then rename: the private key is
    # never readable by others, not even for a moment, and a crash leaves no half-written key.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _encode(keypair: KeyPair) -> tuple[bytes, bytes]:
    if keypair.suite == "intl":
        private = Ed25519PrivateKey.from_private_bytes(keypair.private_key)
        return (
            private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
            private.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo),
        )
    return (keypair.private_key.hex() + "\n").encode(), (keypair.public_key.hex() + "\n").encode()


def save_keypair(keypair: KeyPair, directory: str | Path) -> tuple[Path, Path]:
    """Write the key pair into `directory` (private key mode 0600); returns both paths."""
    get_suite(keypair.suite)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_name, public_name = _FILES[keypair.suite]
    private_bytes, public_bytes = _encode(keypair)
    _write(folder / private_name, private_bytes, 0o600)
    _write(folder / public_name, public_bytes, 0o644)
    return folder / private_name, folder / public_name


def _decode(suite: str, private_text: bytes) -> bytes:
    if suite == "intl":
        key = serialization.load_pem_private_key(private_text, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the private key file is not an Ed25519 key / "
                             "私钥文件不是 Ed25519 密钥")
        return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return bytes.fromhex(private_text.decode("ascii").strip())


def load_keypair(directory: str | Path, suite: str | None = None) -> KeyPair:
    """Read the key pair saved by `save_keypair`; the suite is found from the file names.

    The public key is derived again from the private key and must match the public file,
    so a swapped or corrupted file is refused rather than producing unverifiable signatures.
    """
    folder = Path(directory)
    present = [name for name, (private, _) in _FILES.items() if (folder / private).exists()]
    if suite is None:
        if len(present) != 1:
            found = ", ".join(present) or "none"
            raise FileNotFoundError(
                f"expected exactly one key pair in {folder}, found: {found} / "
                "密钥目录中应恰有一对密钥")
        suite = present[0]
    engine = get_suite(suite)
    private_name, public_name = _FILES[suite]
    private = _decode(suite, (folder / private_name).read_bytes())
    public = engine.public_key_of(private)
    stored_public = (folder / public_name).read_bytes()
    expected_public = _encode(KeyPair(suite, private, public))[1]
    if stored_public.strip() != expected_public.strip():
        raise ValueError(f"{public_name} does not match {private_name} / 公钥文件与私钥不匹配")
    return KeyPair(suite, private, public)
