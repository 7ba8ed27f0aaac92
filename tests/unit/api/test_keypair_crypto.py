"""Key pair material: fingerprints as ssh-keygen and openssl print them,
generated keys that load again, and rejection of malformed input."""

from cryptography.hazmat.primitives import serialization
import pytest

from nimbus.api.openstack.compute import keypair_crypto
from nimbus import exception

# ssh-keygen -t rsa -b 1024; ssh-keygen -l -E md5 printed the fingerprint.
SSH_KEY = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNcFRlgvCNbxgBxVH63qsy'
           '6qpW2vAWZ3BfycRM48p/Mc6wDGBuH39knRMom0XhnID18GwKciItuEVZL6DC'
           'ctJF8jTtT7yysgoZbnOsILdk3CQxQBU5CIhCVyzGqbbZUluYjTppUY7oMOST'
           '6xPdgRFaJ5cxrRafJXS25G36KLoUBw== test')
SSH_FINGERPRINT = '6b:a9:02:31:32:1f:38:37:d0:bc:ce:76:8e:48:33:81'

# openssl req -x509 ...; openssl x509 -fingerprint -sha1 printed it.
CERTIFICATE = ('-----BEGIN CERTIFICATE-----\nMIIB+jCCAWOgAwIBAgIUXweNSxZk6Cgh'
               'CuINsJvS2QT4QNswDQYJKoZIhvcNAQEL\nBQAwDzENMAsGA1UEAwwEdGVzdDA'
               'eFw0yNjExMjIwMTU4MzhaFw0yNjExMjMwMTU4\nMzhaMA8xDTALBgNVBAMMBH'
               'Rlc3QwgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGB\nAJpD8vbV73rhXsTqr'
               'K0KAy+b4pZaZyO1egj/7ldYgMfS6fpdgcMArSdQyjKblMMi\nMbeWo7+NMKK+'
               '+8sSTianXn3AOR/PFjJd/jxYY2CllFT7VU8AEQlpiz/slL8nLsr1\noq4bmh4'
               'euWw1nPHlq9WUMzEXvoFqfjguimQuFahnRMtVAgMBAAGjUzBRMB0GA1Ud\nDg'
               'QWBBQv2B5EdpQWhjTNIio33k59fe/XezAfBgNVHSMEGDAWgBQv2B5EdpQWhj'
               'TN\nIio33k59fe/XezAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA'
               '4GBADNP\n3sixpX39opuXCpgkGpvHgIT5juPK/1dr+Z4vSX/Il5EHVIqEhujb'
               'MlW9Z/MDtvLl\n4uzVAMexvTg77fQ28BQHB7n2w7dtddiw6n4o7zznEqN8l/T'
               '4rttqoax90mCSWxIZ\nSxdcG9cQ9HSCwehQ9RaES3hcbYoRUO+JPO0WaY63\n-'
               '----END CERTIFICATE-----\n')
CERT_FINGERPRINT = ('2c:4d:8c:23:88:89:3f:fe:e2:94:75:a9:72:6c:80:34:30:'
                    'd9:dc:82')


def test_ssh_fingerprint_matches_ssh_keygen():
    assert keypair_crypto.fingerprint(SSH_KEY) == SSH_FINGERPRINT


def test_x509_fingerprint_matches_openssl():
    assert keypair_crypto.fingerprint(CERTIFICATE, 'x509') == (
        CERT_FINGERPRINT)


def test_generated_ssh_key_pair_belongs_together():
    private, public, fingerprint = keypair_crypto.generate_ssh('c')
    key = serialization.load_pem_private_key(private.encode(), None)
    mine = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    assert public == mine + ' c'
    assert fingerprint == keypair_crypto.fingerprint(public)


def test_generated_certificate_loads():
    private, cert, fingerprint = keypair_crypto.generate_x509('alice')
    assert private.startswith('-----BEGIN PRIVATE KEY-----')
    assert keypair_crypto.fingerprint(cert, 'x509') == fingerprint


@pytest.mark.parametrize('key,key_type', [
    ('', 'ssh'), ('ssh-rsa', 'ssh'), ('ssh-rsa AAAA', 'ssh'),
    ('ssh-rsa !!!', 'ssh'), ('garbage', 'x509'), (CERTIFICATE, 'ssh'),
    (SSH_KEY, 'x509'),
])
def test_malformed_keys_are_invalid(key, key_type):
    with pytest.raises(exception.InvalidKeypair):
        keypair_crypto.fingerprint(key, key_type)
