"""``holdem-keys``: CURVE key pairs for remote workers, and the supervisor's list of admitted keys.

Remote workers talk to the supervisor over ZeroMQ's CURVE mechanism
(CurveZMQ, RFC 26: Curve25519 key exchange, then authenticated encryption of
every frame).  Each side holds a key pair; the supervisor admits only the
public keys found in ``KEYS/authorized/`` (checked by ZAP, RFC 27).

Files are those of ``zmq.auth.create_certificates`` (``NAME.key`` holds the
public key, ``NAME.key_secret`` both), so pyzmq's ``load_certificate`` and
``load_certificates`` read them.  Unlike pyzmq, the secret file is created
with mode 0600 (never readable by others, not even for an instant) and
nothing is ever overwritten.

Layout of the supervisor's ``--keys DIR``::

    DIR/server.key          public: copy it to every worker host (--server-key)
    DIR/server.key_secret   secret: stays here
    DIR/authorized/*.key    public keys of the workers allowed in

Typical use::

    head$   holdem-keys new keys server
    host$   holdem-keys new mykeys alice            # on each worker host
    head$   holdem-keys authorize keys alice.key    # after copying alice.key over
"""
from __future__ import annotations

import datetime
import os
import re
import stat
import sys
import tempfile
from pathlib import Path

import zmq
from zmq.utils import z85

from holdem.cli.command import Parser, command

PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"
SERVER_NAME = "server"
AUTHORIZED_DIR = "authorized"
Z85_KEY_CHARS = 40  # a 32-byte Curve25519 key in Z85
SECRET_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_PUBLIC_BANNER = """#   ****  Generated on {0} by holdem-keys  ****
#   ZeroMQ CURVE Public Certificate
#   Give this file to the supervisor's operator (holdem-keys authorize).

"""
_SECRET_BANNER = """#   ****  Generated on {0} by holdem-keys  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

"""


class KeyFileError(ValueError):
    """A key file or key directory that cannot be used; the message says why and what to do."""


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise KeyFileError(f"key name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (no path separators)")
    return name


def _certificate(banner: str, public: bytes, secret: bytes | None) -> str:
    text = banner.format(datetime.datetime.now().isoformat(timespec="seconds"))
    text += "metadata\ncurve\n"
    text += f'    public-key = "{public.decode("ascii")}"\n'
    if secret is not None:
        text += f'    secret-key = "{secret.decode("ascii")}"\n'
    return text


def _write_new(path: Path, text: str, mode: int) -> None:
    """Write ``path`` atomically with ``mode`` from the first byte; refuse to replace a file."""
    if path.exists():
        raise KeyFileError(f"{path} already exists; remove it first or choose another name")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates with 0600
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # link() fails if the name appeared meanwhile, where rename() would replace it
        os.link(tmp, path)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; remove it first or choose another name") from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def new_key_pair(directory: str | os.PathLike, name: str) -> tuple[Path, Path]:
    """Make ``DIR/NAME.key`` (public, 0644) and ``DIR/NAME.key_secret`` (0600); returns both paths."""
    check_name(name)
    directory = Path(directory)
    if not directory.exists():
        directory.mkdir(parents=True, mode=PRIVATE_DIR_MODE)
    public_path = directory / f"{name}{PUBLIC_SUFFIX}"
    secret_path = directory / f"{name}{SECRET_SUFFIX}"
    for path in (public_path, secret_path):
        if path.exists():
            raise KeyFileError(f"{path} already exists; remove it first or choose another name")
    public, secret = zmq.curve_keypair()
    _write_new(secret_path, _certificate(_SECRET_BANNER, public, secret), SECRET_MODE)
    _write_new(public_path, _certificate(_PUBLIC_BANNER, public, None), 0o644)
    return public_path, secret_path


def _read_keys(path: Path) -> tuple[bytes | None, bytes | None]:
    """(public, secret) as Z85 bytes from a certificate file; either may be None."""
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file (make one with holdem-keys new DIR NAME)") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file: {exc}") from None
    found: dict[bytes, bytes] = {}
    for line in lines:
        line = line.strip()
        if line.startswith(b"#") or b"=" not in line:
            continue
        key, value = (part.strip() for part in line.split(b"=", 1))
        if key in (b"public-key", b"secret-key"):
            found[key] = value.strip(b" \t'\"")
    for key, value in found.items():
        if len(value) != Z85_KEY_CHARS:
            raise KeyFileError(f"{path}: {key.decode()} is {len(value)} characters, expected {Z85_KEY_CHARS} "
                               "(a damaged key file? make a new one with holdem-keys new)")
        try:
            z85.decode(value)
        except Exception:
            raise KeyFileError(f"{path}: {key.decode()} is not valid Z85 (a damaged key file?)") from None
    return found.get(b"public-key"), found.get(b"secret-key")


def load_public_key(path: str | os.PathLike) -> bytes:
    """The Z85 public key of a ``.key`` (or ``.key_secret``) file."""
    public, _ = _read_keys(Path(path))
    if public is None:
        raise KeyFileError(f"{path}: no public-key line; is this a CURVE key file made by holdem-keys new?")
    return public


def load_key_pair(path: str | os.PathLike) -> tuple[bytes, bytes]:
    """(public, secret) Z85 keys of a ``.key_secret`` file."""
    path = Path(path)
    public, secret = _read_keys(path)
    if secret is None:
        hint = path.with_name(path.name + "_secret") if path.name.endswith(PUBLIC_SUFFIX) else None
        raise KeyFileError(f"{path} holds no secret key: pass the .key_secret file"
                           + (f" ({hint})" if hint else "") + ", not the public .key")
    if public is None:
        raise KeyFileError(f"{path}: no public-key line beside the secret key (a damaged key file?)")
    if zmq.curve_public(secret) != public:
        raise KeyFileError(f"{path}: the public key does not belong to the secret key (a damaged key file?)")
    return public, secret


def secret_mode_warning(path: str | os.PathLike) -> str | None:
    """A warning if a secret key file is readable by group or others (as ssh warns), else None."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return (f"{path} is readable by other users (mode {mode:04o}); "
                f"run: chmod 600 {path}")
    return None


def authorized_dir(keys_dir: str | os.PathLike) -> Path:
    return Path(keys_dir) / AUTHORIZED_DIR


def server_key_pair(keys_dir: str | os.PathLike) -> tuple[bytes, bytes]:
    """The supervisor's own key pair, ``DIR/server.key_secret``."""
    path = Path(keys_dir) / f"{SERVER_NAME}{SECRET_SUFFIX}"
    if not path.exists():
        raise KeyFileError(f"{path}: no server key; make one with: holdem-keys new {keys_dir} {SERVER_NAME}")
    return load_key_pair(path)


def authorized_keys(keys_dir: str | os.PathLike) -> dict[bytes, str]:
    """Z85 public key -> file name, for every ``DIR/authorized/*.key``."""
    directory = authorized_dir(keys_dir)
    keys: dict[bytes, str] = {}
    if not directory.is_dir():
        return keys
    for path in sorted(directory.glob(f"*{PUBLIC_SUFFIX}")):
        keys[load_public_key(path)] = path.name
    return keys


def authorize(keys_dir: str | os.PathLike, public_file: str | os.PathLike, name: str | None = None) -> Path:
    """Admit a worker: copy the public key of ``public_file`` to ``DIR/authorized/NAME.key``.

    Only the public key is copied; a file holding a secret key is refused, so
    a secret never lands in a directory meant for public keys.
    """
    public_file = Path(public_file)
    public, secret = _read_keys(public_file)
    if secret is not None:
        raise KeyFileError(f"{public_file} holds a SECRET key: authorize the public {public_file.stem}"
                           f"{PUBLIC_SUFFIX} file instead, and keep the secret one on the worker's host")
    if public is None:
        raise KeyFileError(f"{public_file}: no public-key line; is this a key file made by holdem-keys new?")
    if name is None:
        name = public_file.name[: -len(PUBLIC_SUFFIX)] if public_file.name.endswith(PUBLIC_SUFFIX) \
            else public_file.name
    check_name(name)
    directory = authorized_dir(keys_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for known_key, file_name in authorized_keys(keys_dir).items():
        if known_key == public:
            raise KeyFileError(f"this key is already authorized as {directory / file_name}")
    target = directory / f"{name}{PUBLIC_SUFFIX}"
    _write_new(target, _certificate(_PUBLIC_BANNER, public, None), 0o644)
    return target


# ----------------------------------------------------------------- command line


HELP = """holdem-keys: CURVE key pairs for remote workers, and the supervisor's list of admitted keys.

    holdem-keys new DIR NAME                  make DIR/NAME.key (public) and DIR/NAME.key_secret (mode 0600)
    holdem-keys authorize DIR WORKER.key      admit a worker: copy its public key into DIR/authorized/
    holdem-keys list DIR                      the public keys DIR/authorized/ admits

Example:

    head$   holdem-keys new keys server
    host$   holdem-keys new mykeys alice
    head$   holdem-keys authorize keys alice.key    (after copying alice.key over)

head is the supervisor's host, host a worker's.  Then, on head:

    holdem-supervise --config hu_small --bind tcp://0.0.0.0:5555 --keys keys --logdir runs/x

and on each worker host (with server.key copied over):

    holdem-worker --connect tcp://head:5555 --server-key server.key --key mykeys/alice.key_secret

Nothing is ever overwritten.
"""


def build_parser() -> Parser:
    parser = Parser(prog="holdem-keys", description=HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="new|authorize|list")
    new = commands.add_parser("new", help="make a key pair DIR/NAME.key and DIR/NAME.key_secret (mode 0600)",
                              description="Make a key pair DIR/NAME.key and DIR/NAME.key_secret (mode 0600).\n\n"
                                          "Example:\n\n    holdem-keys new keys server")
    new.add_argument("dir", type=Path)
    new.add_argument("name", help=f"'{SERVER_NAME}' for the supervisor's own pair; any name for a worker")
    auth = commands.add_parser("authorize", help="admit a worker: copy its public key into DIR/authorized/",
                               description="Admit a worker: copy its public key into DIR/authorized/.\n\n"
                                           "Example:\n\n    holdem-keys authorize keys alice.key")
    auth.add_argument("dir", type=Path, help="the supervisor's --keys directory")
    auth.add_argument("public_key", type=Path, help="the worker's NAME.key file")
    auth.add_argument("--name", help="name to file it under (default: the file's name)")
    show = commands.add_parser("list", help="list the public keys admitted by DIR/authorized/",
                               description="List the public keys admitted by DIR/authorized/.\n\n"
                                           "Example:\n\n    holdem-keys list keys")
    show.add_argument("dir", type=Path)
    return parser


@command("holdem-keys", usage_errors=(KeyFileError, OSError))
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "new":
        public, secret = new_key_pair(args.dir, args.name)
        print(f"public key: {public}\nsecret key: {secret} (mode 0600; keep it on this host)")
        if args.name == SERVER_NAME:
            print(f"give {public} to every worker host (holdem-worker --server-key)")
        else:
            print(f"give {public} to the supervisor's operator (holdem-keys authorize KEYS {public.name})")
    elif args.command == "authorize":
        target = authorize(args.dir, args.public_key, args.name)
        print(f"authorized: {target} (a running supervisor picks it up at the next connection)")
    else:
        keys = authorized_keys(args.dir)
        for key, file_name in keys.items():
            print(f"{file_name}\t{key.decode('ascii')}")
        if not keys:
            print(f"no authorized keys in {authorized_dir(args.dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
