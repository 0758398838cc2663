"""The certificate of the browser phones' media: WebRTC encrypts it with DTLS-SRTP.

Each render makes a fresh self-signed certificate (ECDSA P-256, the curve Asterisk's
own ephemeral certificates use) in ``<base_dir>/keys``, with ``openssl`` (the venv
has no ``cryptography``). A browser checks the DTLS peer against the fingerprint in
the SDP it got over the signed-in SIP WebSocket, not against a certificate
authority (RFC 5763, RFC 8122), so a self-signed certificate is what DTLS-SRTP
expects; the certificate a deployment beyond loopback needs from a CA is the
one of the HTTPS/WSS server the page and the WebSocket are served from (see
docs/operations.md). Without ``openssl`` the endpoints fall back to Asterisk's
``dtls_auto_generate_cert``, made in memory at start.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

#: the folder under Asterisk's base folder, and the files in it
KEYS_DIR = "keys"
CERT_FILE = "dtls.crt"
KEY_FILE = "dtls.key"
#: longer than any run; a fresh one comes with every render anyway
DAYS = 365
SUBJECT = "/CN=contactcenter-asterisk-dtls"


class CertificateError(RuntimeError):
    """openssl could not make the certificate; says why."""


def dtls_options(base_dir: Path, inner_base: str) -> str:
    """The endpoint lines naming a fresh certificate and key (made now under
    ``base_dir``, named as Asterisk sees them under ``inner_base``)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        log.warning("openssl not found: the browser phones use a certificate Asterisk "
                    "makes at start (dtls_auto_generate_cert)")
        return "dtls_auto_generate_cert = yes"
    folder = base_dir / KEYS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    make_certificate(openssl, folder / CERT_FILE, folder / KEY_FILE)
    keys = f"{inner_base}/{KEYS_DIR}"
    return f"dtls_cert_file = {keys}/{CERT_FILE}\ndtls_private_key = {keys}/{KEY_FILE}"


def make_certificate(openssl: str, cert: Path, key: Path) -> None:
    """A self-signed ECDSA certificate and its key, each replaced atomically."""
    new_cert, new_key = cert.with_name(f".{cert.name}.tmp"), key.with_name(f".{key.name}.tmp")
    command = [openssl, "req", "-x509", "-newkey", "ec",
               "-pkeyopt", "ec_paramgen_curve:prime256v1", "-sha256", "-nodes",
               "-days", str(DAYS), "-subj", SUBJECT, "-batch",
               "-keyout", str(new_key), "-out", str(new_cert)]
    old_umask = os.umask(0o077)  # the key is never readable by others, not even briefly
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.umask(old_umask)
    if done.returncode != 0:
        raise CertificateError(f"openssl could not make the DTLS certificate: "
                               f"{done.stderr.strip() or done.returncode}")
    os.chmod(new_key, 0o600)
    os.chmod(new_cert, 0o644)
    os.replace(new_key, key)
    os.replace(new_cert, cert)
