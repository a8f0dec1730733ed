"""A first sign-in in a process of its own that dies (``os._exit``, no clean-up runs) at one step.

Run as ``python -m tests.core.vault.first_sign_in_child STEP DIRECTORY SERVER_URL TENANT CA USERNAME``
with the password and the authenticator code on stdin, one a line. The steps are those of ``medspa_desk.signing_in._sign_in_online`` that no
network fault can reach (they happen on this computer only); dying there is what a power cut or
the task manager does. Exit code ``KILLED`` says the step was reached.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from medspa_desk import signing_in
from medspa_desk.store.worker import StoreWorker
from medspa_desk.vault import Vault
from medspa_desk.workstation import Workstation

KILLED = 77


def _die(*_args: Any, **_kwargs: Any) -> None:
    os._exit(KILLED)


def _then_die(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        os._exit(KILLED)
    return wrapper


def _open_then_die(*args: Any, **kwargs: Any) -> Any:
    _then_die(_original_open)(*args, **kwargs)


_original_open = signing_in.Store.open

STEPS: dict[str, Callable[[], None]] = {
    "before the deposit": lambda: setattr(signing_in, "deposit_escrow", _die),
    "after the deposit": lambda: setattr(signing_in, "deposit_escrow", _then_die(signing_in.deposit_escrow)),
    "after the store is made": lambda: setattr(signing_in.Store, "open", staticmethod(_open_then_die)),
    "after the settings are saved": lambda: setattr(Workstation, "save", _then_die(Workstation.save)),
    "after the key file is put in place": lambda: setattr(Vault, "put_in_place", _then_die(Vault.put_in_place)),
}


def main(argv: list[str]) -> int:
    step, directory, server_url, tenant, ca_path, username = argv
    STEPS[step]()
    options = signing_in.SignInOptions(server_url=server_url, tenant=tenant, ca_path=ca_path)
    password, totp = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    signing_in.sign_in(Path(directory), username=username, password=password, totp=totp, options=options,
                       worker=StoreWorker())
    return 0  # the step was never reached: the test fails on this


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
