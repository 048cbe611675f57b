"""PAdES signatures (delivery/signing.py): made, checked by pdfsig and pyHanko, tampering caught,
the key from SIGNING_P12 or the development certificate, and clear errors for a bad key file."""
import datetime as dt
import os
import shutil
import subprocess
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from delivery import signing
from tests.conftest import require

PASSWORD = "rahasia-kantor-123"


@pytest.fixture(autouse=True)
def fresh_signer(monkeypatch, tmp_path):
    """No SIGNING_P12, the instance folder in tmp_path, and no signer cached across tests."""
    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.delenv("SIGNING_P12_PASSWORD", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    signing.reset_signer()
    yield
    signing.reset_signer()


def plain_pdf(text: str = "Surat keterangan") -> bytes:
    """A small unsigned one-page PDF."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kabupaten Kutai Timur")])


def office_p12(path, password: str = PASSWORD) -> x509.Certificate:
    """Write a PKCS#12 like a real one: an RSA key with a certificate issued by a (test) CA."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(65537, 2048)
    ca_cert = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(65537, 2048)
    cert = (x509.CertificateBuilder().subject_name(_name("Kepala Disdukcapil Kutai Timur"))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .sign(ca_key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"office", key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode())))
    return cert


def pyhanko_status(data: bytes):
    """pyHanko's validation status of the document's only signature, trusting its own certificate."""
    sig = PdfFileReader(BytesIO(data)).embedded_signatures[0]
    return sig, validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert]))


def test_signed_pdf_is_pades_and_valid_for_pdfsig_and_pyhanko(tmp_path):
    signed = signing.sign_pdf(plain_pdf(), reason="Uji tanda tangan", location="Sangatta")
    sig, status = pyhanko_status(signed)
    assert status.intact and status.valid
    assert status.coverage.name == "ENTIRE_FILE"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_field.get("/T") == "Signature1"
    assert sig.sig_object["/Reason"] == "Uji tanda tangan"
    assert sig.sig_object["/Location"] == "Sangatta"

    require(shutil.which("pdfsig") is not None, "pdfsig (apt-get install poppler-utils)")
    (tmp_path / "signed.pdf").write_bytes(signed)
    out = subprocess.run(["pdfsig", str(tmp_path / "signed.pdf")], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out
    assert "ETSI.CAdES.detached" in out
    assert "Total document signed" in out
    assert "SPESIMEN" in out  # the development certificate's name


def test_signature_intact_accepts_ours_and_rejects_tampering_and_garbage():
    unsigned = plain_pdf()
    signed = signing.sign_pdf(unsigned)
    assert signing.signature_intact(signed)

    tampered = bytearray(signed)
    middle = len(tampered) // 2
    tampered[middle] = (tampered[middle] + 1) % 256
    assert not signing.signature_intact(bytes(tampered))

    # A change to the page content itself (a different document, same size) is caught too.
    forged = signed.replace(b"/Producer", b"/Producex", 1)
    assert forged != signed and not signing.signature_intact(forged)
    assert not signing.signature_intact(signed + b"\n% appended after signing\n")

    assert not signing.signature_intact(unsigned)
    assert not signing.signature_intact(b"")
    assert not signing.signature_intact(os.urandom(4096))
    assert not signing.signature_intact(b"%PDF-1.7\n" + os.urandom(2048))
    assert not signing.signature_intact(signed[: len(signed) // 2])


def test_signature_by_another_certificate_is_not_ours(tmp_path, monkeypatch):
    signed_by_dev = signing.sign_pdf(plain_pdf())
    office_p12(tmp_path / "office.p12")
    monkeypatch.setenv("SIGNING_P12", str(tmp_path / "office.p12"))
    monkeypatch.setenv("SIGNING_P12_PASSWORD", PASSWORD)
    signing.reset_signer()
    assert not signing.signature_intact(signed_by_dev)
    assert signing.signature_intact(signing.sign_pdf(plain_pdf()))


def test_signing_p12_from_the_environment_is_used(tmp_path, monkeypatch):
    cert = office_p12(tmp_path / "office.p12")
    monkeypatch.setenv("SIGNING_P12", str(tmp_path / "office.p12"))
    monkeypatch.setenv("SIGNING_P12_PASSWORD", PASSWORD)
    assert signing.is_specimen() is False
    signed = signing.sign_pdf(plain_pdf())
    sig, status = pyhanko_status(signed)
    assert status.intact and status.valid
    assert sig.signer_cert.subject.native["common_name"] == "Kepala Disdukcapil Kutai Timur"
    assert sig.signer_cert.dump() == cert.public_bytes(serialization.Encoding.DER)
    assert signing.signature_intact(signed)
    assert not (tmp_path / "instance").exists()  # no development certificate made


def test_signing_p12_in_the_app_config_wins_over_the_environment(tmp_path, monkeypatch):
    from flask import Flask

    cert = office_p12(tmp_path / "office.p12")
    monkeypatch.setenv("SIGNING_P12", str(tmp_path / "missing.p12"))
    monkeypatch.setenv("SIGNING_P12_PASSWORD", "wrong")
    app = Flask(__name__, instance_path=str(tmp_path / "app-instance"))
    app.config.update(SIGNING_P12=str(tmp_path / "office.p12"), SIGNING_P12_PASSWORD=PASSWORD)
    with app.app_context():
        assert signing.signing_certificate() == cert
        assert not signing.is_specimen()


def test_wrong_password_raises_signing_error_naming_the_variable_not_the_password(tmp_path, monkeypatch):
    office_p12(tmp_path / "office.p12")
    monkeypatch.setenv("SIGNING_P12", str(tmp_path / "office.p12"))
    monkeypatch.setenv("SIGNING_P12_PASSWORD", "tebakan-salah-987")
    with pytest.raises(signing.SigningError) as raised:
        signing.sign_pdf(plain_pdf())
    message = str(raised.value)
    assert "SIGNING_P12" in message
    assert "tebakan-salah-987" not in message and PASSWORD not in message
    assert raised.value.__cause__ is None  # no chained exception carrying details along


@pytest.mark.parametrize("content", [None, b"not a pkcs12 file at all"])
def test_missing_or_broken_p12_raises_signing_error(tmp_path, monkeypatch, content):
    path = tmp_path / "office.p12"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("SIGNING_P12", str(path))
    with pytest.raises(signing.SigningError, match="SIGNING_P12"):
        signing.is_specimen()


def test_development_certificate_is_made_once_and_reused(tmp_path):
    assert signing.is_specimen() is True
    path = tmp_path / "instance" / "signing" / "dev-signing.p12"
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    first_bytes, first_cert = path.read_bytes(), signing.signing_certificate()
    assert "SPESIMEN" in first_cert.subject.rfc4514_string()
    signed = signing.sign_pdf(plain_pdf())

    signing.reset_signer()
    assert signing.signing_certificate() == first_cert
    assert path.read_bytes() == first_bytes
    assert signing.signature_intact(signed)  # still "ours" after the cache was dropped
    assert [p.name for p in path.parent.iterdir()] == ["dev-signing.p12"]  # no temp files left


def test_development_certificate_made_by_another_process_meanwhile_is_used(tmp_path, monkeypatch):
    """Two processes starting at once: the file that lands first is the one both use."""
    path = tmp_path / "instance" / "signing" / "dev-signing.p12"
    path.parent.mkdir(parents=True)
    other = signing._make_dev_p12()
    made = signing._make_dev_p12

    def racing():
        path.write_bytes(other)  # the other process wins while we generate ours
        return made()

    monkeypatch.setattr(signing, "_make_dev_p12", racing)
    assert signing.ensure_dev_p12() == path
    assert path.read_bytes() == other
    assert [p.name for p in path.parent.iterdir()] == ["dev-signing.p12"]


def test_app_instance_path_holds_the_development_certificate(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path / "app-instance"))
    with app.app_context():
        assert signing.is_specimen()
    assert (tmp_path / "app-instance" / "signing" / "dev-signing.p12").is_file()


def test_sign_pdf_refuses_what_is_not_a_pdf():
    with pytest.raises(ValueError):
        signing.sign_pdf(b"hello, not a pdf")
