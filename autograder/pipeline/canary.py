"""Sandbox side: the canary, a check that must fail, to expose a tampered kernel.

The grading pipeline injects cells into the notebook it runs (never into the learner's
copy): one ``baseline()`` cell before any learner code, and one ``probe(label)`` cell
before every graded test cell and at the end. A probe

1. runs checks that must fail: a wrong array through ``check_array``, a wrong
   implementation through the real ``check`` (compared with a shipped fixture), and
   ``np.allclose`` / ``np.isclose`` / ``np.array_equal`` on different arrays;
2. compares the kernel with the baseline: numpy's functions, every ``autograder``/``rnnkit``
   module (functions, their code, classes, the case registry), IPython's input and AST
   transformers, event callbacks and shell methods, ``sys.modules``, the import
   machinery, trace/profile hooks, builtins, and the notebook's ``check``;
3. raises ``CanaryIntact(token)`` when all is as it was, ``TamperAlarm(findings)``
   otherwise.

The parent accepts a probe only if its cell failed with ``CanaryIntact`` and the
one-time token it sent with that probe cell (derived from a secret that never leaves
the parent; the sandbox learns each token only when its probe runs). A probe blanked by
an input transformer, swallowed, or rigged to pass therefore counts as tampering. Grades never depend on anything the
kernel says (the outside judge decides them); the canary is there to flag and to zero
the parts graded after the kernel was tampered with. A learner who studies this file
can still fool it from inside the process: that buys nothing but the missing flag.
"""
from __future__ import annotations

import builtins
import hashlib
import hmac
import os
import sys

_STATE: dict = {}
_OK_CALLBACK_MODULES = ("IPython", "matplotlib", "matplotlib_inline", "ipykernel")


class CanaryIntact(Exception):
    """Raised by an intact probe: the expected failure of the canary cell."""

    def _render_traceback_(self) -> list[str]:
        # IPython's hook for an exception's own traceback: the parent reads only the
        # name and the token, so the probe skips IPython's formatting, which inspects
        # every file and module in the stack (about 0.1 s for the first probe).
        return []


class TamperAlarm(Exception):
    """Raised by a probe that found the kernel changed since the baseline."""


def token(secret: str, label: str) -> str:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()[:24]


def arm(shell, chapter: str) -> None:
    """Called by the runner before any learner code: keep the shell."""
    _STATE.update(shell=shell, chapter=chapter)


def expect(nonce: str) -> None:
    """Called by the runner just before a probe cell: the token it must answer with."""
    _STATE["nonce"] = nonce


def _identities(namespace: dict) -> dict:
    return {k: v for k, v in list(namespace.items())}


def _class_dicts(cls) -> dict:
    return {c: dict(vars(c)) for c in cls.__mro__ if c is not object}


def _snapshot() -> dict:
    import numpy as np
    shell = _STATE["shell"]
    from rnnkit import cases as _cases
    snap = {
        # numpy.testing only when something loaded it already: the course's checks
        # never use it, and touching ``np.testing`` imports it (60 ms per notebook)
        "numpy": {mod.__name__: _identities(vars(mod))
                  for mod in (np, np.random, np.linalg,
                              sys.modules.get("numpy.testing")) if mod is not None},
        "modules": {name: mod for name, mod in list(sys.modules.items())
                    if name.split(".")[0] in ("autograder", "rnnkit")
                    or name == "numpy"},
        "registry": {key: (case, dict(vars(case))) for key, case in _cases._REGISTRY.items()},
        "meta_path": list(sys.meta_path),
        "path_hooks": list(sys.path_hooks),
        "builtins": _identities(vars(builtins)),
        "shell_class": _class_dicts(type(shell)),
        "shell_attrs": {k: v for k, v in vars(shell).items() if callable(v)},
        "compile": (shell.compile, _class_dicts(type(shell.compile))),
        "transformers": _transformers(shell),
        "callbacks": {ev: list(cbs) for ev, cbs in shell.events.callbacks.items()},
        "displayhook": sys.displayhook,
    }
    snap["autograder"] = {}
    for name, mod in snap["modules"].items():
        if name == "numpy":
            continue
        members = {}
        for attr, value in list(vars(mod).items()):
            if not callable(value) or value is _MISSING:
                continue  # data (the runner's current cell, caches) may change
            code = getattr(value, "__code__", None)
            members[attr] = (value, code, getattr(value, "__defaults__", None),
                             getattr(value, "__kwdefaults__", None))
            if isinstance(value, type) and value.__module__ == name:
                members[attr] += (dict(vars(value)),)
        snap["autograder"][name] = members
    return snap


def _transformers(shell) -> dict:
    manager = shell.input_transformer_manager
    return {
        "input_transformers_cleanup": list(shell.input_transformers_cleanup),
        "input_transformers_post": list(shell.input_transformers_post),
        "ast_transformers": list(shell.ast_transformers),
        "manager.cleanup_transforms": list(manager.cleanup_transforms),
        "manager.line_transforms": list(manager.line_transforms),
        "manager.token_transformers": list(manager.token_transformers),
    }


def baseline() -> None:
    """Record the pristine kernel (the first injected cell, before any learner code)."""
    import rnnkit.grading  # noqa: F401 -- in the baseline even if unused yet
    _STATE["baseline"] = _snapshot()
    _STATE["check"] = sys.modules["rnnkit.grading"].check


def _changed(old: dict, new: dict, what: str, limit: int = 4) -> list[str]:
    found = []
    for key, value in old.items():
        if key not in new:
            found.append(f"{what}.{key} was deleted")
        elif new[key] is not value:
            found.append(f"{what}.{key} was replaced")
    return found[:limit]


def _members_changed(old: dict, new_mod, name: str) -> list[str]:
    found = []
    current = vars(new_mod)
    for attr, saved in old.items():
        value = current.get(attr, _MISSING)
        if value is _MISSING:
            found.append(f"{name}.{attr} was deleted")
            continue
        if value is not saved[0]:
            found.append(f"{name}.{attr} was replaced")
            continue
        if getattr(value, "__code__", None) is not saved[1]:
            found.append(f"the code of {name}.{attr} was replaced")
        elif (getattr(value, "__defaults__", None) is not saved[2]
              or getattr(value, "__kwdefaults__", None) is not saved[3]):
            found.append(f"the defaults of {name}.{attr} were changed")
        if len(saved) > 4:
            now = dict(vars(value))
            for k, v in saved[4].items():
                if now.get(k, _MISSING) is not v:
                    found.append(f"{name}.{attr}.{k} was replaced")
    return found


_MISSING = object()


def _integrity() -> list[str]:
    base = _STATE["baseline"]
    now = _snapshot()
    found: list[str] = []
    for mod, members in base["numpy"].items():
        found += _changed(members, now["numpy"].get(mod, {}), mod)
    for name, mod in base["modules"].items():
        if sys.modules.get(name) is not mod:
            found.append(f"the module {name} was replaced in sys.modules")
    for name, members in base["autograder"].items():
        found += _members_changed(members, base["modules"][name], name)
    for key, (case, fields) in base["registry"].items():
        from rnnkit import cases as _cases
        if _cases._REGISTRY.get(key) is not case:
            found.append(f"the test case {key[0]}.{key[1]} was replaced")
        elif any(vars(case).get(k, _MISSING) is not v for k, v in fields.items()):
            found.append(f"the test case {key[0]}.{key[1]} was modified")
        elif fields["defaults"] != case.defaults:
            found.append(f"the shapes of test case {key[0]}.{key[1]} were changed")
    if list(sys.meta_path) != base["meta_path"] or list(sys.path_hooks) != base["path_hooks"]:
        found.append("an import hook was installed (sys.meta_path / sys.path_hooks)")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("a trace or profile function is installed (sys.settrace/setprofile)")
    found += _changed(base["builtins"], vars(builtins), "builtins")
    for cls, members in base["shell_class"].items():
        now_members = vars(cls)
        if any(now_members.get(k, _MISSING) is not v for k, v in members.items()):
            found.append(f"IPython's {cls.__name__} class was patched")
    shell = _STATE["shell"]
    overrides = {k for k, v in vars(shell).items() if callable(v)} - set(base["shell_attrs"])
    overrides |= {k for k, v in base["shell_attrs"].items() if vars(shell).get(k) is not v}
    if overrides:
        found.append(f"IPython shell methods were overridden ({', '.join(sorted(overrides))})")
    compiler, compiler_class = base["compile"]
    if shell.compile is not compiler or _class_dicts(type(compiler)) != compiler_class:
        found.append("IPython's compiler was replaced or patched")
    for name, items in base["transformers"].items():
        if now["transformers"][name] != items:
            kind = "an AST transformer" if name == "ast_transformers" else \
                "an IPython input transformer"
            found.append(f"{kind} was installed or removed ({name})")
    for event, callbacks in now["callbacks"].items():
        for cb in callbacks:
            if cb in base["callbacks"].get(event, []):
                continue
            module = getattr(cb, "__module__", "") or ""
            if not module.startswith(_OK_CALLBACK_MODULES):
                found.append(f"an IPython '{event}' event callback was registered")
    if sys.displayhook is not base["displayhook"]:
        found.append("sys.displayhook was replaced")
    user_check = shell.user_ns.get("check", _MISSING)
    if user_check is not _MISSING and user_check is not _STATE["check"]:
        found.append("the notebook's `check` is not the course's check function")
    return found


def _must_fail() -> list[str]:
    """Checks that must fail; each one that passes means comparisons are rigged."""
    import numpy as np
    found = []
    a = np.arange(4.0)
    b = a + 1.0
    if np.allclose(a, b) or np.isclose(a, b).all() or np.array_equal(a, b):
        found.append("numpy says two different arrays are equal")
    from rnnkit import checks
    try:
        checks.check_array("canary", "x", b, a)
    except checks.CheckFailure:
        pass
    else:
        found.append("check_array accepted a wrong array")
    from rnnkit import cases as _cases
    from rnnkit import grading, recording
    visible = _cases.all_cases(_STATE["chapter"])
    if visible:
        case = visible[0]
        saved = os.environ.pop(recording.RECORD_ENV, None)
        try:
            grading.check(f"{case.chapter}.{case.function}", {}, seeds=[0])
        except checks.CheckFailure:
            pass
        except BaseException as exc:  # noqa: BLE001
            found.append(f"check raised {type(exc).__name__} instead of failing")
        else:
            found.append("check passed a notebook without the function")
        finally:
            if saved is not None:
                os.environ[recording.RECORD_ENV] = saved
    return found


def probe(label: str) -> None:
    """The canary cell: raise CanaryIntact(token) if the kernel is as it was."""
    findings = _must_fail() + _integrity()
    if findings:
        _STATE.pop("nonce", None)
        unique = list(dict.fromkeys(findings))
        raise TamperAlarm("; ".join(unique[:8]))
    # no local variable holds the token: the traceback IPython keeps of this probe
    # would keep it where a later cell could look
    raise CanaryIntact(_STATE.pop("nonce", ""))
