"""The Postgres role the SQL tool connects as: it may read the project's table and nothing else.

A READ ONLY transaction is a session setting, and a session may change its settings; what holds
is what the role is not allowed to do. The role is a plain LOGIN role (no SUPERUSER, CREATEDB,
CREATEROLE, REPLICATION, BYPASSRLS, no membership of a role that has any of them or of the
predefined ``pg_*`` roles that read server files, signal backends or read all data), with SELECT
on the weather table only. ``default_transaction_read_only`` and a statement timeout are set on
the role as defaults, behind those privileges.

Where it comes from:

* ``AGENT_SQL_URL`` set: a role you manage; it is only checked (``verify_reader``), never changed.
* otherwise the user of ``DATABASE_URL`` (or the embedded server's superuser) creates or repairs
  the role ``AGENT_SQL_ROLE`` at every start, idempotently, under an advisory lock. Its password is
  generated once and kept in ``<data_dir>/sql-reader-password`` (mode 0600). That user needs
  CREATEROLE (or SUPERUSER); without it the start fails with one line saying what to do.

Either way the role is checked before the tool uses it: a role that can write, create, read server
files or act as another role is refused with the list of what it can do.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .database import connect, redact
from .errors import UserError

PASSWORD_FILE = "sql-reader-password"
ROLE_STATEMENT_TIMEOUT = "30s"
# Predefined roles whose powers go beyond reading the project's tables (those missing on older
# servers are simply not found).
POWERFUL_ROLES = (
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_signal_backend",
    "pg_signal_autovacuum_worker",
    "pg_monitor",
    "pg_read_all_settings",
    "pg_read_all_stats",
    "pg_stat_scan_tables",
    "pg_read_all_data",
    "pg_write_all_data",
    "pg_checkpoint",
    "pg_maintain",
    "pg_create_subscription",
    "pg_use_reserved_connections",
    "pg_database_owner",
)
# Functions that reach the server's file system; not executable by a plain role unless granted.
FILE_FUNCTIONS = (
    "pg_read_file(text)",
    "pg_read_binary_file(text)",
    "pg_ls_dir(text)",
    "pg_stat_file(text)",
    "lo_import(text)",
    "lo_export(oid, text)",
)


class SqlRoleError(UserError):
    """The SQL tool's role cannot be created, or can do more than read the project's tables."""


def reader_url(owner_url: str, role: str, password: str) -> str:
    """``owner_url`` with the user and password replaced (same server, database and options)."""
    return make_conninfo(owner_url, user=role, password=password)


def read_or_create_password(path: Path) -> str:
    """The role's password, generated on first use; concurrent first uses agree on one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password
        raise SqlRoleError(f"{path} is empty; delete it and start again to generate a new password.") from None
    password = secrets.token_urlsafe(24)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def ensure_reader(owner_url: str, *, role: str, password_file: Path, tables: tuple[str, ...]) -> str:
    """Create or repair ``role`` so that it can only read ``tables``; returns its connection URL."""
    password = read_or_create_password(password_file)
    ident = sql.Identifier(role)
    with connect(owner_url, autocommit=True) as conn:
        me = conn.execute(
            "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if me is None or not (me[1] or me[2]):
            user = me[0] if me else conninfo_to_dict(owner_url).get("user", "?")
            raise SqlRoleError(
                f"DATABASE_URL's user {user!r} lacks CREATEROLE, so the SQL tool's read-only role {role!r} cannot be "
                f"created: run `ALTER ROLE {user} CREATEROLE;` as a superuser, or create a read-only role yourself "
                "and set AGENT_SQL_URL to its URL (README: 'The SQL tool's role')."
            )
        superuser = bool(me[1])
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('agent sql reader role'))")
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                attributes = "LOGIN NOCREATEDB NOCREATEROLE INHERIT"
                if superuser or not exists:
                    # Only a superuser may name SUPERUSER/REPLICATION/BYPASSRLS on an existing role.
                    attributes += " NOSUPERUSER NOREPLICATION NOBYPASSRLS"
                verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
                conn.execute(
                    sql.SQL("{} {} WITH {} PASSWORD {}").format(verb, ident, sql.SQL(attributes), sql.Literal(password))
                )
                conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident))
                conn.execute(
                    sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                        ident, sql.Literal(ROLE_STATEMENT_TIMEOUT)
                    )
                )
                _drop_memberships(conn, role)
                # Nothing but SELECT on the project's tables; nobody but their owners creates objects.
                conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident))
                conn.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM {}").format(ident))
                conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                conn.execute(
                    sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(_database(conn)))
                )
                conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
                for table in tables:
                    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), ident))
        except psycopg.errors.InsufficientPrivilege as exc:
            first = (str(exc).strip().splitlines() or ["permission denied"])[0]
            raise SqlRoleError(
                f"DATABASE_URL's user {me[0]!r} cannot set up the SQL tool's role {role!r} ({first}): name another "
                "role in AGENT_SQL_ROLE, or set AGENT_SQL_URL to a read-only role you manage "
                "(README: 'The SQL tool's role')."
            ) from None
    url = reader_url(owner_url, role, password)
    verify_reader(url, tables=tables, setting="AGENT_SQL_ROLE")
    return url


def verify_reader(url: str, *, tables: tuple[str, ...], setting: str = "AGENT_SQL_URL") -> None:
    """Connect as the tool's role and refuse it if it can do more than read ``tables``."""
    try:
        conn = connect(url, autocommit=True)
    except UserError as exc:
        raise SqlRoleError(f"The SQL tool's role cannot log in ({setting}): {exc}") from None
    with conn:
        problems = _powers(conn, tables)
        user = conn.info.user
    if problems:
        raise SqlRoleError(
            f"The SQL tool's role {user!r} ({setting}, {redact(url)}) can do more than read {', '.join(tables)}: "
            f"{'; '.join(problems)}. Use a plain LOGIN role with SELECT on those tables only (README: "
            "'The SQL tool's role')."
        )


def _powers(conn: psycopg.Connection[Any], tables: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    attributes = conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    names = ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS")
    problems += [name for name, held in zip(names, attributes or (), strict=False) if held]
    roles = conn.execute(
        """SELECT r.rolname FROM pg_roles r
           WHERE r.rolname <> current_user AND pg_has_role(current_user, r.oid, 'MEMBER')
             AND (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
                  OR r.rolname = ANY(%s))
           ORDER BY 1""",
        (list(POWERFUL_ROLES),),
    ).fetchall()
    problems += [f"member of {row[0]}" for row in roles]
    writable = conn.execute(
        """SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema'
             AND n.nspname NOT LIKE 'pg\\_%'
             AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES')
           ORDER BY 1 LIMIT 5"""
    ).fetchall()
    problems += [f"writes {row[0]}" for row in writable]
    schemas = conn.execute(
        """SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'
             AND has_schema_privilege(oid, 'CREATE') ORDER BY 1"""
    ).fetchall()
    problems += [f"CREATE on schema {row[0]}" for row in schemas]
    if conn.execute("SELECT has_database_privilege(current_database(), 'CREATE')").fetchone() == (True,):
        problems.append("CREATE on the database")
    functions = conn.execute(
        """SELECT f FROM unnest(%s::text[]) f
           WHERE to_regprocedure(f) IS NOT NULL AND has_function_privilege(to_regprocedure(f), 'EXECUTE')""",
        (list(FILE_FUNCTIONS),),
    ).fetchall()
    problems += [f"EXECUTE on {row[0]}" for row in functions]
    for table in tables:
        readable = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL AND has_table_privilege(to_regclass(%s), 'SELECT')", (table, table)
        ).fetchone()
        if readable != (True,):
            problems.append(f"cannot read {table}")
    return problems


def _drop_memberships(conn: psycopg.Connection[Any], role: str) -> None:
    granted = conn.execute(
        """SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
           WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %s)""",
        (role,),
    ).fetchall()
    for (parent,) in granted:
        try:
            with conn.transaction():
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(parent), sql.Identifier(role)))
        except psycopg.errors.InsufficientPrivilege:
            pass  # verify_reader names it


def _database(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_database()").fetchone()
    return str(row[0]) if row else ""
