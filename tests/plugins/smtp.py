"""A real SMTP server on localhost (aiosmtpd) for the email tests.

`smtp_receiver`: a plain server that accepts everything. `start_smtp_receiver(accounts=..., tls=...)`:
one with AUTH required (accounts: {user: password}) and/or TLS ("starttls" or "implicit", with a
self-signed certificate for 127.0.0.1 whose CA is `server.client_context()`). Both give an
`SmtpReceiver`: `.url`, `.url_for(user, password)`, `.messages` (parsed EmailMessages), `.envelopes`
(mail_from, rcpt_tos), `.logins` ((user, password) accepted), `.refuse` (addresses answered with 550)
and `.stop()`. Servers stop after the test.
"""
import datetime
import ipaddress
import socket
import ssl
from email import policy
from email.parser import BytesParser
from urllib.parse import quote

import pytest


def _free_port() -> int:
    """A free local port (aiosmtpd's Controller needs a real number to check it started)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(folder) -> tuple[str, str]:
    """A self-signed certificate and key for 127.0.0.1 and localhost, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class SmtpReceiver:
    """One running aiosmtpd server and what it received."""

    def __init__(self, folder, accounts: dict[str, str] | None = None, tls: str | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert tls in (None, "starttls", "implicit")
        self.envelopes, self.messages, self.logins = [], [], []
        self.refuse: set[str] = set()
        self.accounts, self.tls, self.cafile = dict(accounts or {}), tls, None
        self.port = _free_port()
        receiver = self

        class Handler:
            """Keeps each message; answers 550 to a recipient in `refuse`."""

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                """Refuse the addresses the test asked to refuse."""
                if address.lower() in {a.lower() for a in receiver.refuse}:
                    return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                """Store the envelope and the parsed message."""
                receiver.envelopes.append(envelope)
                receiver.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            """Accept the accounts given, remembering each login."""
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.accounts.get(user) == password:
                self.logins.append((user, password))
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        class QuietAuthController(Controller):
            """aiosmtpd warns (an error under our filterwarnings) when AUTH is allowed without
            STARTTLS; here that is on purpose: a plain test server, or one behind implicit TLS,
            which aiosmtpd 1.4.6 does not count as TLS. So the flag is set after construction."""

            def factory(self):
                from aiosmtpd.smtp import SMTP

                server = SMTP(self.handler, **{**self.SMTP_kwargs, "auth_require_tls": True})
                server._auth_require_tls = require_tls
                return server

        require_tls = tls == "starttls"
        kwargs = {}
        if tls:
            self.cafile, keyfile = _certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cafile, keyfile)
            kwargs["ssl_context" if tls == "implicit" else "tls_context"] = context
        if self.accounts:
            kwargs.update(authenticator=authenticator, auth_required=True)
        self.controller = QuietAuthController(Handler(), hostname="127.0.0.1", port=self.port,
                                     server_hostname="mail.test", **kwargs)
        self.controller.start()

    @property
    def scheme(self) -> str:
        """smtps for implicit TLS, else smtp."""
        return "smtps" if self.tls == "implicit" else "smtp"

    @property
    def url(self) -> str:
        """SMTP_URL for this server, without credentials."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_for(self, user: str, password: str) -> str:
        """SMTP_URL for this server with the credentials URL-encoded."""
        return f"{self.scheme}://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this server's certificate."""
        return ssl.create_default_context(cafile=self.cafile)

    def stop(self) -> None:
        """Stop the server (once)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def start_smtp_receiver(tmp_path):
    """Start SMTP servers: start_smtp_receiver(accounts={user: password}, tls=None|"starttls"|"implicit")."""
    started = []

    def start(accounts: dict[str, str] | None = None, tls: str | None = None) -> SmtpReceiver:
        folder = tmp_path / f"smtp-{len(started)}"
        folder.mkdir()
        server = SmtpReceiver(folder, accounts, tls)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_receiver(start_smtp_receiver) -> SmtpReceiver:
    """A plain local SMTP server that accepts any message (no AUTH, no TLS)."""
    return start_smtp_receiver()
