"""Crypto suites: published test vectors, sign/verify, key files, and SM2 interoperability."""

from __future__ import annotations

import base64
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from govshare.core.crypto import SUITES, KeyPair, get_suite, load_keypair, save_keypair

# GB/T 32905-2016 appendix A
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
# FIPS 180-2 appendix B.1
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

MESSAGE = "政务数据共享 / government data sharing".encode()


def test_sm3_vectors() -> None:
    suite = get_suite("sm")
    assert suite.hash(b"abc") == SM3_ABC
    assert suite.hash(b"abcd" * 16) == SM3_ABCD16


def test_sha256_vector() -> None:
    assert get_suite("intl").hash(b"abc") == SHA256_ABC


@pytest.mark.parametrize("data", [b"", b"a" * 55, b"a" * 56, b"a" * 64, bytes(range(256)) * 5])
def test_sm3_matches_openssl_across_block_boundaries(data: bytes) -> None:
    try:
        digest = hashes.Hash(hashes.SM3())
    except Exception:  # noqa: BLE001 - some OpenSSL builds leave SM3 out
        pytest.skip("OpenSSL here has no SM3")
    digest.update(data)
    assert get_suite("sm").hash(data) == digest.finalize().hex()


def test_suite_names() -> None:
    assert [get_suite(name).name for name in SUITES] == ["intl", "sm"]
    with pytest.raises(ValueError):
        get_suite("rsa")


@pytest.mark.parametrize("name", SUITES)
def test_sign_verify_round_trip(name: str) -> None:
    suite = get_suite(name)
    keys = suite.generate_keypair()
    assert keys.suite == name
    signature = suite.sign(keys.private_key, MESSAGE)
    assert len(signature) == 64
    assert suite.verify(keys.public_key, MESSAGE, signature)
    assert suite.public_key_of(keys.private_key) == keys.public_key


@pytest.mark.parametrize("name", SUITES)
def test_tampering_fails_verification(name: str) -> None:
    suite = get_suite(name)
    keys = suite.generate_keypair()
    signature = suite.sign(keys.private_key, MESSAGE)
    for i in (0, len(MESSAGE) // 2, len(MESSAGE) - 1):
        data = bytearray(MESSAGE)
        data[i] ^= 0x01
        assert not suite.verify(keys.public_key, bytes(data), signature)
    for i in (0, 31, 32, 63):
        sig = bytearray(signature)
        sig[i] ^= 0x01
        assert not suite.verify(keys.public_key, MESSAGE, bytes(sig))
    other = suite.generate_keypair()
    assert not suite.verify(other.public_key, MESSAGE, signature)


@pytest.mark.parametrize("name", SUITES)
@pytest.mark.parametrize(
    "bad",
    [b"", b"\x00" * 64, b"\xff" * 64, b"\x01" * 63, b"\x01" * 65, b"not a signature"],
)
def test_verify_never_raises_on_garbage(name: str, bad: bytes) -> None:
    suite = get_suite(name)
    keys = suite.generate_keypair()
    assert suite.verify(keys.public_key, MESSAGE, bad) is False
    assert suite.verify(bad, MESSAGE, suite.sign(keys.private_key, MESSAGE)) is False


def test_sm2_rejects_out_of_range_s() -> None:
    # gmssl alone does not check that s < n; (r, s + n) must not pass as a second signature.
    suite = get_suite("sm")
    keys = suite.generate_keypair()
    signature = suite.sign(keys.private_key, MESSAGE)
    n = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
    s = int.from_bytes(signature[32:], "big")
    if s + n < 2**256:
        assert not suite.verify(keys.public_key, MESSAGE, signature[:32] + (s + n).to_bytes(32))
    assert not suite.verify(keys.public_key, MESSAGE, signature[:32] + n.to_bytes(32, "big"))


def test_sm2_public_key_starting_with_04() -> None:
    # Private scalar 11 gives a public x coordinate starting with 0x04, which gmssl's
    # constructor would strip as if it were the uncompressed-point prefix.
    suite = get_suite("sm")
    private = (11).to_bytes(32, "big")
    public = suite.public_key_of(private)
    assert public.hex().startswith("04")
    assert suite.verify(public, MESSAGE, suite.sign(private, MESSAGE))


def test_sm2_signatures_are_randomised() -> None:
    suite = get_suite("sm")
    keys = suite.generate_keypair()
    assert suite.sign(keys.private_key, MESSAGE) != suite.sign(keys.private_key, MESSAGE)


def test_sm2_rejects_invalid_private_keys() -> None:
    suite = get_suite("sm")
    with pytest.raises(ValueError):
        suite.sign(b"\x00" * 32, MESSAGE)
    with pytest.raises(ValueError):
        suite.sign(b"\x01" * 31, MESSAGE)


@pytest.mark.parametrize("name", SUITES)
def test_keys_survive_save_and_load(name: str, tmp_path: Path) -> None:
    suite = get_suite(name)
    keys = suite.generate_keypair()
    private_path, public_path = save_keypair(keys, tmp_path / "keys")
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(public_path.stat().st_mode) == 0o644
    loaded = load_keypair(tmp_path / "keys")
    assert loaded == keys
    assert suite.verify(loaded.public_key, MESSAGE, suite.sign(loaded.private_key, MESSAGE))
    assert list((tmp_path / "keys").glob(".*")) == []  # no temporary files left behind


def test_intl_key_files_are_pem(tmp_path: Path) -> None:
    private_path, public_path = save_keypair(get_suite("intl").generate_keypair(), tmp_path)
    assert private_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_saving_over_a_readable_file_still_gives_0600(tmp_path: Path) -> None:
    keys = get_suite("sm").generate_keypair()
    private_path, _ = save_keypair(keys, tmp_path)
    private_path.chmod(0o644)
    save_keypair(keys, tmp_path)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600


def test_mismatched_key_files_are_refused(tmp_path: Path) -> None:
    suite = get_suite("sm")
    save_keypair(suite.generate_keypair(), tmp_path / "a")
    save_keypair(suite.generate_keypair(), tmp_path / "b")
    shutil.copy(tmp_path / "b" / "sm2_public.hex", tmp_path / "a" / "sm2_public.hex")
    with pytest.raises(ValueError):
        load_keypair(tmp_path / "a")


def test_load_needs_exactly_one_key_pair(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_keypair(tmp_path)
    save_keypair(get_suite("sm").generate_keypair(), tmp_path)
    save_keypair(get_suite("intl").generate_keypair(), tmp_path)
    with pytest.raises(FileNotFoundError):
        load_keypair(tmp_path)
    assert load_keypair(tmp_path, suite="intl").suite == "intl"


def test_keypair_repr_hides_the_private_key() -> None:
    keys = get_suite("sm").generate_keypair()
    assert keys.private_key.hex() not in repr(keys)
    assert isinstance(keys, KeyPair)


# --- SM2 interoperability with OpenSSL (proves the Z_A digest and user ID are standard) -----

SM2_OID = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301
EC_OID = bytes.fromhex("06072a8648ce3d0201")  # id-ecPublicKey
DIST_ID = "distid:1234567812345678"


def _openssl_with_sm2() -> str | None:
    path = shutil.which("openssl")
    if path is None:
        return None
    listing = subprocess.run([path, "list", "-public-key-algorithms"], capture_output=True,
                             text=True, check=False)
    return path if "SM2" in listing.stdout.upper() else None


def _pem(label: str, der: bytes) -> str:
    return f"-----BEGIN {label}-----\n{base64.encodebytes(der).decode()}-----END {label}-----\n"


def _der_integer(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes([len(value)]) + value


def _raw_to_der(signature: bytes) -> bytes:
    body = _der_integer(signature[:32]) + _der_integer(signature[32:])
    return b"\x30" + bytes([len(body)]) + body


def _der_to_raw(der: bytes) -> bytes:
    assert der[0] == 0x30
    out, i = b"", 2
    for _ in range(2):
        assert der[i] == 0x02
        length = der[i + 1]
        out += int.from_bytes(der[i + 2:i + 2 + length], "big").to_bytes(32, "big")
        i += 2 + length
    return out


@pytest.fixture
def openssl_sm2(tmp_path: Path):
    openssl = _openssl_with_sm2()
    if openssl is None:
        pytest.skip("no openssl command with SM2 here")
    keys = get_suite("sm").generate_keypair()
    spki = b"\x30\x59\x30\x13" + EC_OID + SM2_OID + b"\x03\x42\x00\x04" + keys.public_key
    sec1 = (b"\x30\x77\x02\x01\x01\x04\x20" + keys.private_key + b"\xa0\x0a" + SM2_OID
            + b"\xa1\x44\x03\x42\x00\x04" + keys.public_key)
    (tmp_path / "pub.pem").write_text(_pem("PUBLIC KEY", spki))
    (tmp_path / "key.pem").write_text(_pem("EC PRIVATE KEY", sec1))
    (tmp_path / "msg").write_bytes(MESSAGE)
    return openssl, keys, tmp_path


def _pkeyutl(openssl: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [openssl, "pkeyutl", "-rawin", "-digest", "sm3", "-pkeyopt", DIST_ID, *args],
        cwd=folder, capture_output=True, text=True, check=False,
    )


def test_openssl_verifies_our_sm2_signature(openssl_sm2) -> None:
    openssl, keys, folder = openssl_sm2
    signature = get_suite("sm").sign(keys.private_key, MESSAGE)
    (folder / "sig.der").write_bytes(_raw_to_der(signature))
    ok = _pkeyutl(openssl, folder, "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg",
                  "-sigfile", "sig.der")
    assert ok.returncode == 0 and "Verified Successfully" in ok.stdout, ok.stderr
    (folder / "msg").write_bytes(MESSAGE + b"!")
    bad = _pkeyutl(openssl, folder, "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg",
                   "-sigfile", "sig.der")
    assert bad.returncode != 0


def test_we_verify_an_openssl_sm2_signature(openssl_sm2) -> None:
    openssl, keys, folder = openssl_sm2
    made = _pkeyutl(openssl, folder, "-sign", "-inkey", "key.pem", "-in", "msg",
                    "-out", "sig.der")
    assert made.returncode == 0, made.stderr
    signature = _der_to_raw((folder / "sig.der").read_bytes())
    assert get_suite("sm").verify(keys.public_key, MESSAGE, signature)
