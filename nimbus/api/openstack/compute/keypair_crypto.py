"""Key pair material: generate ssh-rsa keys and x509 certificates, check
imported ones, and compute Nova-compatible fingerprints."""

import base64
import binascii
import datetime
import hashlib

from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID

from nimbus import exception


def _colons(digest):
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def ssh_fingerprint(public_key):
    """MD5 of the key blob in colon-separated hex (ssh-keygen -l -E md5)."""
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.strip().split()[1])
    except (ValueError, IndexError, TypeError, binascii.Error,
            NotImplementedError, crypto_exceptions.UnsupportedAlgorithm):
        raise exception.InvalidKeypair(
            reason='failed to generate fingerprint')
    return _colons(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def x509_fingerprint(certificate):
    """SHA-1 of the DER certificate in colon-separated hex."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
    except (ValueError, TypeError):
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint')
    return _colons(cert.fingerprint(hashes.SHA1()).hex())


def fingerprint(public_key, key_type='ssh'):
    if key_type == 'x509':
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def _private_pem(key, traditional=True):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL if traditional
        else serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()


def generate_ssh(comment, bits=2048):
    """(private_key PEM, public_key 'ssh-rsa … comment', fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    public = '%s %s' % (public, comment) if comment else public
    return _private_pem(key), public, ssh_fingerprint(public)


def generate_x509(user_id, bits=2048):
    """(private_key PEM, self-signed certificate PEM, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         user_id or 'nimbus')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return _private_pem(key, traditional=False), pem, x509_fingerprint(pem)
