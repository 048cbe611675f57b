"""`flask citizen export IDENTIFIER` and `flask citizen erase IDENTIFIER`: a citizen's rights over
their data, for the officer who checked the citizen's identity (bot.core.citizen_data)."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.core import citizen_data, db

IDENTIFIER_HELP = ("a chat identity (whatsapp:6281…, messenger:<PSID>, twilio:+62…, simulator:<id>), "
                   "a phone number, a ticket (AKL-0001) or a NIK")


@click.group("citizen")
def citizen():
    """A citizen's data: export everything held, or erase it (UU 27/2022 PDP)."""


def _subject(s, identifier: str) -> citizen_data.Subject:
    try:
        return citizen_data.find(s, identifier, nik_lookup=current_app.extensions.get("nik_lookup"))
    except citizen_data.NotFound:
        raise click.ClickException(f"Tidak ada data warga untuk {identifier}.") from None


@citizen.command("export")
@click.argument("identifier", metavar="IDENTIFIER")
@with_appcontext
def export(identifier):
    """Write everything held about one citizen as a ZIP and print its path."""
    folder = Path(current_app.instance_path) / "exports"
    with db.new_session() as s:
        path = citizen_data.export(s, _subject(s, identifier), folder, current_app.config["OFFICE"]["office"]["name"])
        s.commit()
    click.echo(str(path))


@citizen.command("erase")
@click.argument("identifier", metavar="IDENTIFIER")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase(identifier, yes):
    """Remove or anonymise everything held about one citizen (issued documents' records stay)."""
    with db.new_session() as s:
        subject = _subject(s, identifier)
        if not yes:
            click.confirm(f"Hapus semua data warga {identifier} ({len(subject.contact_ids)} identitas chat)? "
                          "Ini tidak bisa dibatalkan.", abort=True)
        result = citizen_data.erase(s, subject, actor="system:cli",
                                    exports=Path(current_app.instance_path) / "exports")
        s.commit()
    kept = f"; dipertahankan untuk dokumen terbit: {', '.join(result.requests_kept)}" if result.requests_kept else ""
    click.echo(f"Dihapus: {result.messages} pesan, {result.files} berkas, {result.requests_deleted} permohonan{kept}.")


citizen.help += f"\n\nIDENTIFIER: {IDENTIFIER_HELP}."
