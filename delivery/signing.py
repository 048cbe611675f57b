"""Electronic signatures on the office's PDFs: PAdES (ETSI.CAdES.detached) with pyHanko.

The key comes from a PKCS#12 file named by SIGNING_P12 (password in SIGNING_P12_PASSWORD), read
from the Flask app config when there is an app context that sets it, else from the environment.
Without SIGNING_P12 a self-signed development certificate is made on first use and kept in
<instance>/signing/dev-signing.p12; documents signed with it are specimens (is_specimen()).

The signer is loaded once per process and cached; reset_signer() forgets it (tests, key rotation).
Signatures are PAdES B-B: no timestamp authority, no revocation data embedded.
"""
import asyncio
import datetime as dt
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

log = logging.getLogger(__name__)

FIELD_NAME = "Signature1"
DEV_FILE = "dev-signing.p12"
DEV_SUBJECT_CN = "Sapa Dukcapil SPESIMEN - bukan dokumen resmi"
DEV_ORGANISATION = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur"
DEV_VALID_DAYS = 3650
# Extra room in /Contents over the measured size of one signature container: an ECDSA signature's
# DER length varies by a few bytes and the production key may differ from the one measured.
RESERVE_MARGIN = 1024


class SigningError(RuntimeError):
    """The signing key cannot be loaded or used (message names the setting, never the password)."""


class _CachedKeySigner(signers.SimpleSigner):
    """SimpleSigner that keeps the parsed private key instead of re-parsing its DER per signature.

    pyHanko's SimpleSigner.sign_raw calls load_der_private_key on every signature, which for RSA
    costs tens of milliseconds (cryptography checks the key); doing it once is what makes 30+
    signatures a second possible. Mechanisms other than the common ones go to pyHanko unchanged.
    """

    _pyca_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign with the cached key for ECDSA and RSA PKCS#1 v1.5; anything else via pyHanko."""
        key = self._pyca_key
        if key is None:
            key = self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)


@dataclass
class _Loaded:
    signer: _CachedKeySigner
    specimen: bool
    source: str  # the .p12 path, for messages and docs
    cert_der: bytes
    bytes_reserved: int | None = None


_lock = threading.Lock()
# Signers by where their key lives: one process may serve apps with different instance folders
# (the tests do), and each must sign with, and check against, its own certificate.
_loaded: dict[str, _Loaded] = {}


class _ThreadLoop:
    """An event loop owned by one thread, closed when the thread ends (its locals are dropped)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()

    def __del__(self):
        self.loop.close()


_local = threading.local()


def _run(coro):
    """Run a pyHanko coroutine to its end on this thread's own loop.

    Not asyncio.run(): on the main thread, Python 3.11's asyncio.run formats the finished task
    (result included) for a signal-handler check, and an asn1crypto result's repr() re-encodes
    the whole signature, about 6 ms per document; a loop made per call costs ~1 ms more than one
    kept per thread. A thread that already runs a loop (an async caller, a browser driver)
    cannot run another, so there the work goes to a helper thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        owned = getattr(_local, "owned", None)
        if owned is None:
            owned = _local.owned = _ThreadLoop()
        return owned.loop.run_until_complete(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run, coro).result()


# ---- where the key comes from -----------------------------------------------------------------
def _setting(name: str) -> str | None:
    """A setting from the running app's config when it carries one, else from the environment."""
    try:
        from flask import current_app, has_app_context

        if has_app_context() and current_app.config.get(name):
            return str(current_app.config[name])
    except ImportError:  # pragma: no cover - Flask is a dependency of the project
        pass
    return os.environ.get(name) or None


def instance_dir() -> Path:
    """The app's instance folder, else INSTANCE_PATH, else ./instance."""
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return Path(current_app.instance_path)
    except ImportError:  # pragma: no cover
        pass
    return Path(os.environ.get("INSTANCE_PATH") or "instance")


def dev_p12_path() -> Path:
    """Where the development certificate lives: <instance>/signing/dev-signing.p12."""
    return instance_dir() / "signing" / DEV_FILE


def _make_dev_p12() -> bytes:
    """A fresh self-signed EC P-256 certificate and key as unencrypted PKCS#12 bytes.

    EC P-256 rather than RSA 2048: signing is about 20 times faster and the signature smaller.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT_CN),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANISATION),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Sangatta"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=DEV_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                          crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"sapa-dukcapil-dev", key, cert, None, serialization.NoEncryption()
    )


def ensure_dev_p12() -> Path:
    """Return the development .p12, creating it if absent (atomically: the first writer wins)."""
    path = dev_p12_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".dev-signing-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_make_dev_p12())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        try:
            # link() never overwrites: if another process made the file meanwhile, theirs stays
            # and both processes sign with the same certificate.
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: replace, unless the file has appeared meanwhile.
            if not path.exists():
                os.replace(tmp, path)
        log.warning("signing: created a development certificate at %s (documents are specimens)", path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _load() -> _Loaded:
    """Read the configured PKCS#12 (or the development one) into a signer."""
    configured = _setting("SIGNING_P12")
    if configured:
        path, specimen = Path(configured), False
        password = _setting("SIGNING_P12_PASSWORD")
    else:
        path, specimen = ensure_dev_p12(), True
        password = None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"SIGNING_P12: cannot read the PKCS#12 file {path} ({exc.strerror or exc})") from None
    passphrase = password.encode() if password else None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except Exception:
        what = "SIGNING_P12" if not specimen else f"the development certificate {path}"
        # No chained exception: it might carry details of the file; never the password, anyway.
        raise SigningError(
            f"{what}: cannot open the PKCS#12 file {path} (wrong SIGNING_P12_PASSWORD or not a PKCS#12 file)"
        ) from None
    if key is None or cert is None:
        raise SigningError(f"SIGNING_P12: {path} holds no private key and certificate")
    try:
        signer = _CachedKeySigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
    except ValueError:
        raise SigningError(f"SIGNING_P12: pyHanko cannot use the key in {path}") from None
    signer._pyca_key = key
    loaded = _Loaded(signer=signer, specimen=specimen, source=str(path),
                     cert_der=cert.public_bytes(serialization.Encoding.DER))
    loaded.bytes_reserved = _measure_reserve(loaded)
    return loaded


def _signer() -> _Loaded:
    """The process's signer, loaded on first use."""
    where = _setting("SIGNING_P12") or str(dev_p12_path())
    loaded = _loaded.get(where)
    if loaded is None:
        with _lock:
            loaded = _loaded.get(where)
            if loaded is None:
                loaded = _loaded[where] = _load()
    return loaded


def reset_signer() -> None:
    """Forget the cached signer; the next call loads the key again (tests, a new certificate)."""
    with _lock:
        _loaded.clear()


def is_specimen() -> bool:
    """True when documents are signed with the development certificate (no SIGNING_P12)."""
    return _signer().specimen


def signing_certificate() -> x509.Certificate:
    """The certificate documents are signed with (for display and checks)."""
    return x509.load_der_x509_certificate(_signer().cert_der)


# ---- signing ----------------------------------------------------------------------------------
def _minimal_pdf() -> bytes:
    """A one-page PDF to measure the signature container on."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    return bytes(pdf.output())


def _writer(data: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer on data; ValueError when data is not a PDF pyHanko can read."""
    try:
        return IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except Exception as exc:
        raise ValueError(f"not a PDF pyHanko can read: {type(exc).__name__}: {exc}") from exc


def _sign(loaded: _Loaded, writer: IncrementalPdfFileWriter, reason: str, location: str,
          bytes_reserved: int | None) -> bytes:
    """Sign data with loaded's signer, reserving bytes_reserved (None: pyHanko estimates)."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=SigSeedSubFilter.PADES, reason=reason, location=location,
    )
    out = _run(signers.async_sign_pdf(writer, meta, signer=loaded.signer, bytes_reserved=bytes_reserved))
    return out.getvalue()


def _measure_reserve(loaded: _Loaded) -> int:
    """Sign a tiny PDF with pyHanko's own size estimate once and keep that size plus a margin.

    pyHanko otherwise estimates the size before every signature by signing a dummy: the key
    operation twice per document. This also proves at load time that the key can sign.
    """
    try:
        signed = _sign(loaded, _writer(_minimal_pdf()), "-", "-", None)
        sig = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
        size = len(sig.pkcs7_content)
    except Exception as exc:
        raise SigningError(f"SIGNING_P12: the key in {loaded.source} cannot sign ({type(exc).__name__})") from None
    return (size + RESERVE_MARGIN + 255) // 256 * 256  # pyHanko wants an even number


def sign_pdf(data: bytes, *, reason: str = "Dokumen elektronik Disdukcapil", location: str = "Sangatta") -> bytes:
    """Return data with a PAdES signature (/ETSI.CAdES.detached, field Signature1) appended.

    Raises SigningError when the key cannot be loaded, ValueError when data is not a PDF.
    """
    loaded = _signer()
    writer = _writer(data)
    try:
        return _sign(loaded, writer, reason, location, loaded.bytes_reserved)
    except Exception as exc:
        # A reservation too small (a longer reason, an unusual key) fails; let pyHanko estimate.
        log.info("signing: retrying with pyHanko's size estimate (%s)", exc)
        return _sign(loaded, _writer(data), reason, location, None)


# ---- checking ---------------------------------------------------------------------------------
_ANY_KEY_USAGE = KeyUsageConstraints(key_usage=set(), match_all_key_usages=False)


async def _validate(sig, context: ValidationContext):
    """pyHanko's validation of sig, then release what the context opened (as pyHanko's sync API does)."""
    try:
        return await async_validate_pdf_signature(sig, signer_validation_context=context,
                                                  key_usage_settings=_ANY_KEY_USAGE)
    finally:
        aclose = getattr(context, "aclose", None)
        if aclose:
            await aclose()


def signature_intact(data: bytes) -> bool:
    """True when data's last signature is ours (current certificate), intact and covers the file.

    Never raises on bad input (citizen uploads): anything unreadable is simply False. A broken
    signing key still raises SigningError (every answer would otherwise be a silent False).
    """
    if not data or b"%PDF-" not in data[:1024]:
        return False
    loaded = _signer()
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
        if not sigs:
            return False
        sig = sigs[-1]
        if sig.signer_cert.dump() != loaded.cert_der:
            return False
        # Trust exactly our certificate: the question is "did we sign this", not "is it trusted".
        context = ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
        status = _run(_validate(sig, context))
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        return bool(status.intact and status.valid and whole)
    except Exception as exc:  # noqa: BLE001 - garbage in, False out
        log.debug("signature_intact: %s: %s", type(exc).__name__, exc)
        return False
