# Runs once in the warm pyodide child, before any model-written code. Defines _deliberate_run,
# which runs one program in a fresh namespace and reports what happened as a plain dict.
# Python cannot sandbox itself; the process boundary (Node's permission model, no network
# globals, import() locked) is the real wall. This layer turns the obvious escapes into clear
# errors instead of fatal pyodide crashes: os.system would otherwise reach child_process.
import ast
import builtins
import os
import sys
import traceback

_BLOCKED_IMPORTS = frozenset(
    {
        "js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "pyodide_http",
        "subprocess", "multiprocessing", "socket", "ssl", "ctypes", "_ctypes",
    }
)
_real_import = builtins.__import__


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in _BLOCKED_IMPORTS:
        raise ImportError(f"import of '{name}' is blocked in the sandbox")
    return _real_import(name, globals, locals, fromlist, level)


def _blocked(*args, **kwargs):
    raise PermissionError("running other programs is blocked in the sandbox")


for _name in ("system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execlp", "execvp",
              "spawnl", "spawnv", "spawnve", "posix_spawn", "posix_spawnp", "kill", "killpg"):
    if hasattr(os, _name):
        setattr(os, _name, _blocked)

_safe_builtins = dict(builtins.__dict__)
_safe_builtins["__import__"] = _guarded_import
_modules_at_start = set(sys.modules)
_stdout, _stderr = sys.stdout, sys.stderr
_recursion_limit = sys.getrecursionlimit()


def _line(error):
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _syntax_line(error):
    where = f" (line {error.lineno})" if error.lineno else ""
    return f"{type(error).__name__}: {error.msg}{where}"


def _print_traceback(error):
    # Skip our own frame so the traceback starts in the model's code, as `python file.py` would.
    tb = error.__traceback__
    if tb is not None and tb.tb_frame.f_code is _execute.__code__:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb, file=sys.stderr)


def _execute(code, module_name):
    try:
        tree = ast.parse(code, "<code>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), "<code>", "eval")
        body = compile(tree, "<code>", "exec")
    except (SyntaxError, ValueError) as error:  # ValueError: source with NUL bytes
        detail = _syntax_line(error) if isinstance(error, SyntaxError) else _line(error)
        return {"reason": "syntax", "error": detail}

    explicit = []

    def set_result(value):
        """Sets the program's answer explicitly (it wins over a final bare expression)."""
        explicit[:] = [value]

    # A copy per program, so one cannot plant names in the builtins of the next.
    namespace = {"__name__": module_name, "__builtins__": dict(_safe_builtins), "set_result": set_result}
    try:
        exec(body, namespace)
        value = eval(last, namespace) if last is not None else None
    except SystemExit as error:
        if error.code in (None, 0):
            value = None
        else:
            return {"reason": "error", "error": f"SystemExit: {error.code}"}
    except MemoryError as error:
        return {"reason": "memory", "error": _line(error) or "MemoryError"}
    except BaseException as error:  # noqa: BLE001 - the model's crash is data, not our failure
        _print_traceback(error)
        return {"reason": "error", "error": _line(error)}
    if explicit:
        value = explicit[0]
    if value is None:
        return {"reason": "ok"}
    try:
        return {"reason": "ok", "result": value if isinstance(value, str) else str(value)}
    except BaseException as error:  # noqa: BLE001 - a __str__ that raises, an int too long to print
        return {"reason": "error", "error": f"the result could not be printed: {_line(error)}"}


def _deliberate_run(code, module_name="__main__"):
    try:
        return _execute(code, module_name)
    finally:
        # Undo what one program could leave behind for the next in this warm interpreter.
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = _stdout, _stderr
        sys.setrecursionlimit(_recursion_limit)
        for name in set(sys.modules) - _modules_at_start:
            del sys.modules[name]
