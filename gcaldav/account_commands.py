"""The ``gcaldav`` commands about people: ``login`` (sign in with Google), ``accounts``,
``unlink``, ``calendars`` (hide and show) and ``user`` (CalDAV passwords)."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

CONFIG_HELP = "the gcaldav (Radicale) configuration file"


def add_parsers(commands) -> None:
    login = commands.add_parser(
        "login", help="sign in with Google and link the account to a CalDAV user",
        description="Sign in with Google (OAuth for installed apps, PKCE) and link the "
                    "account to USER, then run its first sync. Asks for Google Calendar and "
                    "Google Tasks access; untick Tasks on Google's page if you like.")
    login.add_argument("--config", required=True, help=CONFIG_HELP)
    login.add_argument("user", help="the CalDAV user the Google account is for")
    login.add_argument("--client-secrets", metavar="FILE",
                       help="the Desktop OAuth client JSON from the Google Cloud console "
                            "(default: [storage] oauth_client_secrets)")
    login.add_argument("--no-browser", action="store_true",
                       help="headless: print the address, then paste back the one the "
                            "browser was sent to")
    login.add_argument("--port", type=int,
                       help="the loopback port for Google's answer (default: any free one; "
                            "with --no-browser: 8085); fix it to forward it over SSH")
    login.set_defaults(run=_login)

    accounts = commands.add_parser("accounts", help="linked Google accounts, their state "
                                                    "and calendars")
    accounts.add_argument("--config", required=True, help=CONFIG_HELP)
    accounts.add_argument("user", nargs="?", help="only this CalDAV user's")
    accounts.set_defaults(run=_accounts)

    unlink = commands.add_parser("unlink", help="remove a Google account from a CalDAV user")
    unlink.add_argument("--config", required=True, help=CONFIG_HELP)
    unlink.add_argument("user")
    unlink.add_argument("email", help="the Google account (as `gcaldav accounts` lists it)")
    unlink.set_defaults(run=_unlink)

    calendars = commands.add_parser(
        "calendars", help="a user's calendars; hide or show some",
        description="By default clients get the calendars ticked in Google Calendar's list. "
                    "CALENDAR is a name, a Google calendar id or a URL segment.")
    calendars.add_argument("--config", required=True, help=CONFIG_HELP)
    calendars.add_argument("user")
    calendars.add_argument("--hide", action="append", default=[], metavar="CALENDAR")
    calendars.add_argument("--show", action="append", default=[], metavar="CALENDAR")
    calendars.add_argument("--default", action="append", default=[], metavar="CALENDAR",
                           help="follow Google's list again")
    calendars.set_defaults(run=_calendars)

    user = commands.add_parser("user", help="CalDAV users and passwords (the htpasswd file, "
                                            "bcrypt)")
    user.add_argument("action", choices=["add", "passwd", "remove"])
    user.add_argument("user")
    user.add_argument("--config", required=True, help=CONFIG_HELP)
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input")
    user.set_defaults(run=_user)


# --- login ----------------------------------------------------------------------------------

def _login(args: argparse.Namespace) -> int:
    from bridge.errors import BridgeError

    from . import login
    from .cli import _bridge, _progress

    # The address must show at once, also through a pipe (ssh, a script, a test).
    sys.stdout.reconfigure(line_buffering=True)
    configuration = _storage_options(args.config)
    secrets_file = args.client_secrets or configuration.get("storage", "oauth_client_secrets")
    if not secrets_file:
        print("gcaldav login: which OAuth client? Give --client-secrets FILE or set "
              "oauth_client_secrets in [storage] (docs/setup.md says how to get one).",
              file=sys.stderr)
        return 2
    try:
        config = login.client_config(secrets_file)
        bridge = _bridge(args.config)          # the store opens before anyone signs in
        if args.no_browser:
            info = login.pasted(config, port=args.port or login.PASTE_PORT)
        else:
            info = login.loopback(config, port=args.port or 0)
    except (login.LoginError, EOFError, KeyboardInterrupt) as exc:
        message = str(exc) if isinstance(exc, login.LoginError) else "cancelled"
        print(f"gcaldav login: {message}", file=sys.stderr)
        return 1
    try:
        account_id = bridge.link_info(args.user, info, progress=_progress)
    except BridgeError as exc:
        print(f"gcaldav login: {exc}", file=sys.stderr)
        return 1
    email = next(a.account.email for a in bridge.accounts(args.user)
                 if a.account.id == account_id)
    print(f"linked {email} to {args.user}: {len(bridge.calendars(args.user))} calendars "
          "served", flush=True)
    if login.TASKS_SCOPE not in info.get("scopes", [login.TASKS_SCOPE]):
        print("(Google Tasks access was not granted: task lists are not served.)")
    return 0


def _storage_options(config_path: str):
    from radicale_plugin.options import PLUGIN_SCHEMA

    from .server import load_configuration

    return load_configuration(config_path).copy(PLUGIN_SCHEMA)


# --- accounts and calendars -------------------------------------------------------------------

def _accounts(args: argparse.Namespace) -> int:
    from .cli import _bridge

    linked = _bridge(args.config).accounts(args.user)
    if not linked:
        print("no linked accounts" + (f" for {args.user}" if args.user else ""))
    for entry in linked:
        account = entry.account
        state = "ok" if not account.needs_sign_in else (
            "NEEDS SIGN-IN since " + time.strftime("%Y-%m-%d %H:%M UTC",
                                                   time.gmtime(account.needs_sign_in_since)))
        print(f"{account.user}: {account.email}  [{state}]")
        for calendar, served in entry.calendars:
            print(f"  {'served' if served else 'hidden':<7} {calendar.name}  "
                  f"({calendar.access_role}; /{account.user}/{calendar.slug}/)")
        if account.needs_sign_in:
            print(f"  fix: gcaldav login --config {args.config} {account.user}")
    return 0


def _unlink(args: argparse.Namespace) -> int:
    from bridge.errors import BridgeError

    from .cli import _bridge

    try:
        removed = _bridge(args.config).unlink(args.user, args.email)
    except BridgeError as exc:
        print(f"gcaldav unlink: {exc}", file=sys.stderr)
        return 1
    print(f"unlinked {args.email} from {args.user}: {removed} calendars removed (clients "
          "drop them at their next sync)")
    return 0


def _calendars(args: argparse.Namespace) -> int:
    from bridge.errors import BridgeError

    from .cli import _bridge

    bridge = _bridge(args.config)
    try:
        for refs, hidden in ((args.hide, True), (args.show, False), (args.default, None)):
            for ref in refs:
                bridge.set_hidden(args.user, ref, hidden)
    except BridgeError as exc:
        print(f"gcaldav calendars: {exc}", file=sys.stderr)
        return 1
    linked = bridge.accounts(args.user)
    if not linked:
        print(f"{args.user} has no linked Google account")
    for entry in linked:
        for calendar, served in entry.calendars:
            how = ("hidden here" if calendar.hidden else "shown here" if calendar.hidden is
                   False else "as in Google" if calendar.selected else "unticked in Google")
            if calendar.served and not served:
                how = "listed by another account too: served from that one"
            print(f"{'served' if served else 'hidden':<7} {calendar.name:<40} "
                  f"{entry.account.email:<30} {how}")
    return 0


# --- CalDAV users -------------------------------------------------------------------------------

def _user(args: argparse.Namespace) -> int:
    from . import users
    from .server import load_configuration

    configuration = load_configuration(args.config)
    path = configuration.get("auth", "htpasswd_filename")
    encryption = configuration.get("auth", "htpasswd_encryption")
    if configuration.get("auth", "type") != "htpasswd" or encryption not in (
            "bcrypt", "autodetect"):
        print(f"gcaldav user: {args.config} must say [auth] type = htpasswd and "
              "htpasswd_encryption = bcrypt (or autodetect): gcaldav writes bcrypt hashes.",
              file=sys.stderr)
        return 2
    try:
        users.check_name(args.user)
        if args.action == "remove":
            users.remove(path, args.user)
        else:
            password = _new_password(args.password_stdin)
            (users.add if args.action == "add" else users.passwd)(path, args.user, password)
    except (users.UsersError, EOFError) as exc:
        print(f"gcaldav user: {exc or 'no password given'}", file=sys.stderr)
        return 1
    done = {"add": "added", "passwd": "password changed for", "remove": "removed"}
    print(f"{done[args.action]} {args.user} ({path})")
    return 0


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        from .users import UsersError
        raise UsersError("The passwords differ.")
    return first
