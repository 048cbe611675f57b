"""The audit log as a hash chain (seq, prev_hash, hash); on PostgreSQL the trigger that appends
to it, and the application's role that can neither rewrite nor empty it (docs/audit.md)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from bot.core.audit_chain import GENESIS, entry_hash
from bot.core.config import app_db_password, app_db_role

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]


def _field(expr: str) -> str:
    """One field of audit_chain.canonical in SQL: `<bytes>:<value>;`, or `-;` for NULL."""
    return (f"(CASE WHEN ({expr}) IS NULL THEN '-;' ELSE "
            f"octet_length(convert_to({expr}, 'UTF8'))::text || ':' || ({expr}) || ';' END)")


CANONICAL = " || ".join(_field(e) for e in (
    "NEW.seq::text", "NEW.id::text",
    "to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    "NEW.actor", "NEW.action", "NEW.target_type", "NEW.target_id", "NEW.detail::text", "NEW.prev_hash"))

# Under a transaction-level advisory lock (one per table): the newest entry is read after every
# earlier appender has committed, so concurrent transactions chain one after another. The
# writer chooses none of seq, prev_hash, hash or at: a back-dated entry cannot be inserted.
PG_CHAIN = f"""
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    last_at timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(1635087458, TG_RELID::int);
    EXECUTE 'SELECT seq, hash, at FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME)
            || ' ORDER BY seq DESC LIMIT 1' INTO last_seq, last_hash, last_at;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '{GENESIS}');
    NEW.at := greatest(clock_timestamp(), last_at);
    NEW.hash := encode(sha256(convert_to({CANONICAL}, 'UTF8')), 'hex');
    RETURN NEW;
END $$
"""
PG_CHAIN_TRIGGER = ("CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
                    "FOR EACH ROW EXECUTE FUNCTION audit_log_chain()")


def _backfill(conn) -> None:
    """Chain the entries written before this migration, oldest first (by time, then id)."""
    detail = "detail::text" if conn.dialect.name == "postgresql" else "CAST(detail AS TEXT)"
    rows = conn.execute(sa.text(f"SELECT id, at, actor, action, target_type, target_id, {detail} AS detail "
                                "FROM audit_log ORDER BY at, id")).all()
    prev = GENESIS
    update = sa.text("UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id")
    for seq, row in enumerate(rows, start=1):
        digest = entry_hash(seq, row.id, row.at, row.actor, row.action, row.target_type, row.target_id,
                            row.detail, prev)
        conn.execute(update, {"seq": seq, "prev": prev, "hash": digest, "id": row.id})
        prev = digest


def _quote(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _app_role(conn) -> None:
    """The role the web and the workers connect as (APP_DB_ROLE, default sapa_app): DML on every
    table, but only SELECT and INSERT on audit_log, and not the owner, so it can neither TRUNCATE
    nor ALTER TABLE … DISABLE TRIGGER; it is no superuser, so no session_replication_role."""
    role, password = app_db_role(), app_db_password()
    can_create = conn.execute(sa.text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")).scalar()
    exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    quoted = _quote(conn, role)
    if not exists and can_create:
        # Several databases of one server may migrate at once (the tests do): whoever is second
        # finds the role made.
        conn.execute(sa.text(f"DO $$ BEGIN CREATE ROLE {quoted} NOLOGIN; "
                             "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        exists = True
    if not exists:
        print(f"audit_chain: role {role} does not exist and {conn.execute(sa.text('SELECT current_user')).scalar()} "
              "cannot create it; see docs/audit.md")
        return
    if password and can_create:
        literal = "'" + password.replace("'", "''") + "'"
        conn.execute(sa.text(f"ALTER ROLE {quoted} LOGIN PASSWORD {literal}".replace(":", r"\:")))
    schema = _quote(conn, conn.execute(sa.text("SELECT current_schema()")).scalar())
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        # Tables and sequences that later migrations (run by the owner) create.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ):
        conn.execute(sa.text(statement))


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    if not sqlite:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    _backfill(conn)
    if not sqlite:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    with op.batch_alter_table("audit_log") as batch:
        for column, kind in (("seq", sa.BigInteger()), ("prev_hash", sa.String(64)), ("hash", sa.String(64))):
            batch.alter_column(column, existing_type=kind, nullable=False)
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
    if sqlite:
        for statement in SQLITE_GUARDS:
            op.execute(statement)
        return
    conn.exec_driver_sql(PG_CHAIN)  # not text(): its colons are no bind parameters
    conn.exec_driver_sql(PG_CHAIN_TRIGGER)
    _app_role(conn)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER audit_log_chain ON audit_log")
        op.execute("DROP FUNCTION audit_log_chain()")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        for column in ("hash", "prev_hash", "seq"):
            batch.drop_column(column)
    if sqlite:
        for statement in SQLITE_GUARDS:
            op.execute(statement)
