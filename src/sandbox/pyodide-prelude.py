# Runs once in the pyodide child, before any model-written code, in a private namespace that no
# module or program can import. It defines `_entry(request: bytes) -> bytes`, the one function the
# runner (pyodide-runner.mjs) calls, through the C API, for every program.
#
# Isolation between programs is not this file's job: the runner copies the interpreter's whole
# memory after this file has run and copies it back after every program, so whatever a program
# does to these functions, to modules, to builtins or to the C runtime is gone before the next
# one starts. What this file adds:
# - program mode: run the code in a fresh namespace and report its result (capped) as data;
# - tests mode (code grading): run the candidate, then the tests, and say "passed" only when the
#   tests' code returned. The verdict is this function's return value, decided by its control
#   flow with every name it needs bound before the candidate runs; while the candidate or the
#   tests run, an audit hook refuses what could reach this function's frame or rewrite it
#   (frames, gc walks, tracing, code objects, ctypes, signal handlers), and the classes and
#   functions that existed before cannot be patched. No value the program can print, return or
#   raise is a pass.
import ast
import builtins
import json
import os
import sys
import traceback
import types
import warnings

# Loaded once here so programs do not pay for them (the snapshot has them), and so their classes
# and functions count as "existing before the candidate" in tests mode.
import cmath  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import fractions
import numbers  # noqa: F401
import random
import statistics  # noqa: F401


def _install():
    # --- shared -----------------------------------------------------------------------------
    # Importing a module from a folder would write its .pyc: a file-system change, which the
    # runner treats as reaching outside the sandbox.
    sys.dont_write_bytecode = True
    blocked_imports = frozenset(
        {
            "js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "pyodide_http",
            "subprocess", "multiprocessing", "socket", "ssl", "ctypes", "_ctypes",
        }
    )
    # Also refused while grading: they reach frames or memory (signal handlers get the current
    # frame; the test modules poke at the interpreter).
    grading_blocked_imports = blocked_imports | {
        "signal", "_signal", "faulthandler", "_testcapi", "_testinternalcapi", "_testmultiphase",
        "_testsinglephase", "_xxsubinterpreters", "_xxinterpchannels",
    }
    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name.split(".")[0] in blocked_imports:
            raise ImportError(f"import of '{name}' is blocked in the sandbox")
        return real_import(name, globals, locals, fromlist, level)

    def refuse_programs(*args, **kwargs):
        raise PermissionError("running other programs is blocked in the sandbox")

    for name in ("system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execlp",
                 "execvp", "spawnl", "spawnv", "spawnve", "posix_spawn", "posix_spawnp", "kill",
                 "killpg"):
        if hasattr(os, name):
            setattr(os, name, refuse_programs)

    safe_builtins = dict(builtins.__dict__)
    safe_builtins["__import__"] = guarded_import
    real_stdout, real_stderr = sys.stdout, sys.stderr

    def line(error):
        text = str(error)
        if type(text) is not str:
            text = "<unprintable>"
        name = type(error).__name__
        return f"{name}: {text}" if text else name

    def syntax_line(error, offset=0):
        number = error.lineno or 0
        if number > offset:
            number -= offset  # raised by compile() on the shifted tree, not by ast.parse()
        where = f" (line {number})" if number else ""
        return f"{type(error).__name__}: {error.msg}{where}"

    def capped(text, limit):
        if len(text) <= limit:
            return text
        return f"{text[:limit]}\n[output truncated at {limit} bytes]"

    def parse(code, filename, offset):
        tree = ast.parse(code, filename, "exec")
        if offset:
            ast.increment_lineno(tree, offset)
        return tree

    # --- program mode -------------------------------------------------------------------------
    def print_traceback(error, skip):
        # Skip our own frame so the traceback starts in the model's code, as `python file.py` would.
        tb = error.__traceback__
        if tb is not None and tb.tb_frame.f_code is skip:
            tb = tb.tb_next
        traceback.print_exception(type(error), error, tb, file=sys.stderr)

    def run_program(code, module_name, limit):
        error_limit = min(limit, 2000)
        try:
            tree = parse(code, "<code>", 0)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = compile(ast.Expression(tree.body.pop().value), "<code>", "eval")
            body = compile(tree, "<code>", "exec")
        except (SyntaxError, ValueError) as error:  # ValueError: source with NUL bytes
            detail = syntax_line(error) if isinstance(error, SyntaxError) else line(error)
            return {"reason": "syntax", "error": capped(detail, error_limit)}

        explicit = []

        def set_result(value):
            """Sets the program's answer explicitly (it wins over a final bare expression)."""
            explicit[:] = [value]

        namespace = {"__name__": module_name, "__builtins__": dict(safe_builtins), "set_result": set_result}
        try:
            exec(body, namespace)
            value = eval(last, namespace) if last is not None else None
        except SystemExit as error:
            if error.code in (None, 0):
                value = None
            else:
                return {"reason": "error", "error": capped(f"SystemExit: {error.code}", error_limit)}
        except MemoryError as error:
            return {"reason": "memory", "error": line(error)}
        except BaseException as error:  # noqa: BLE001 - the model's crash is data, not our failure
            print_traceback(error, run_program.__code__)
            return {"reason": "error", "error": capped(line(error), error_limit)}
        if explicit:
            value = explicit[0]
        if value is None:
            return {"reason": "ok"}
        try:
            text = value if isinstance(value, str) else str(value)
            return {"reason": "ok", "result": capped(str(text), limit)}
        except MemoryError as error:
            return {"reason": "memory", "error": line(error)}
        except BaseException as error:  # noqa: BLE001 - a __str__ that raises, an int too long to print
            return {"reason": "error", "error": capped(f"the result could not be printed: {line(error)}", error_limit)}

    # --- tests mode ---------------------------------------------------------------------------
    # Line numbers are shifted so a traceback tells candidate, tests and library lines apart
    # without frame objects (which the audit hook refuses while grading, to everyone).
    candidate_offset, tests_offset = 20_000_000, 10_000_000

    armed = [False]
    frame_attrs = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
    blocked_events = frozenset(
        {
            "sys._getframe", "sys._current_frames", "sys._current_exceptions", "sys.settrace",
            "sys.setprofile", "sys._settraceallthreads", "sys._setprofileallthreads",
            "sys.addaudithook", "sys.monitoring.register_callback", "gc.get_objects",
            "gc.get_referrers", "gc.get_referents", "code.__new__", "marshal.load", "marshal.loads",
        }
    )

    def hook(event, args, _armed=armed, _blocked=blocked_events, _frames=frame_attrs,
             _imports=grading_blocked_imports, _protected=None, _id=id):
        if not _armed[0]:
            return
        if event in _blocked or event.startswith("ctypes."):
            raise RuntimeError(f"{event} is not available while the code is graded")
        if event == "object.__getattr__":
            if args[1] in _frames:
                raise RuntimeError(f"frame access ({args[1]}) is not available while the code is graded")
        elif event == "object.__setattr__" or event == "object.__delattr__":
            if args[1] == "__code__" or _id(args[0]) in _protected:
                raise RuntimeError(f"changing {args[1]} of a built-in or library object is not allowed while the code is graded")
        elif event == "import":
            if args[0].split(".")[0] in _imports:
                raise ImportError(f"import of '{args[0]}' is blocked while the code is graded")

    # Plain values: these types' equality is C code or library code no program can patch while
    # graded (protected below), so when one side of a test's comparison is one, the other must be
    # one too. This is what keeps an object whose __eq__ always returns True (or a bool/int
    # subclass that lies) from equalling the expected 5, "abc" or [1, 2]: for an exact plain type
    # the candidate's own __eq__ is never called. Objects of the candidate's own classes compared
    # with each other still use their __eq__ (tests that compare two such objects trust it).
    plain_types = frozenset(
        {
            int, float, complex, bool, str, bytes, type(None), list, tuple, dict, set, frozenset,
            range, fractions.Fraction, decimal.Decimal, datetime.date, datetime.datetime,
            datetime.time, datetime.timedelta, __import__("collections").Counter,
            __import__("collections").OrderedDict, __import__("collections").defaultdict,
            __import__("collections").deque,
        }
    )
    containers = frozenset({list, tuple, set, frozenset, __import__("collections").deque})
    mappings = frozenset({dict, __import__("collections").Counter, __import__("collections").OrderedDict,
                          __import__("collections").defaultdict})

    def is_plain(value, _type=type, _id=id, _set=set, _items=dict.items, _plain=plain_types,
                 _seq=containers, _map=mappings):
        stack = [value]
        seen = _set()
        while stack:
            item = stack.pop()
            kind = _type(item)
            if kind not in _plain:
                return False
            if kind in _seq or kind in _map:
                key = _id(item)
                if key in seen:
                    continue
                seen.add(key)
                if kind in _map:
                    for k, v in _items(item):
                        stack.append(k)
                        stack.append(v)
                else:
                    stack.extend(item)
        return True

    def compare(op, left, right, _plain=is_plain):
        # `left OP right` from the tests' own code (see StrictCompares).
        if op == "==" or op == "!=":
            if _plain(left) or _plain(right):
                same = _plain(left) and _plain(right) and left == right
            else:
                same = left == right
            return same if op == "==" else not same
        if op == "in" or op == "not in":
            if _plain(right):
                found = _plain(left) and left in right
            else:
                found = left in right
            return found if op == "in" else not found
        if _plain(left) or _plain(right):
            if not (_plain(left) and _plain(right)):
                return False
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right

    token = os.urandom(8).hex()
    compare_mark = f"\0deliberate-compare-{token}"
    exit_mark = f"\0deliberate-exit-{token}"
    ops = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Lt: "<",
           ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}

    class StrictCompares(ast.NodeTransformer):
        # Rewrites the tests' single comparisons to `compare(op, a, b)` and their `sys.exit(n)` /
        # `os._exit(n)` calls to the real sys.exit: both reach the tests as constants of their code
        # objects, so no name the candidate can rebind is looked up. Chained comparisons
        # (`0 < x < 10`) are left as Python wrote them.
        def visit_Compare(self, node):
            self.generic_visit(node)
            op = ops.get(type(node.ops[0])) if len(node.ops) == 1 else None
            if op is None:
                return node
            call = ast.Call(ast.Constant(compare_mark), [ast.Constant(op), node.left, node.comparators[0]], [])
            return ast.copy_location(call, node)

        def visit_Call(self, node):
            self.generic_visit(node)
            func = node.func
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and (func.value.id, func.attr) in (("sys", "exit"), ("os", "_exit"))):
                node.func = ast.copy_location(ast.Constant(exit_mark), func)
            return node

    def inject(code, table):
        consts = []
        for const in code.co_consts:
            if type(const) is str and const in table:
                const = table[const]
            elif isinstance(const, types.CodeType):
                const = inject(const, table)
            consts.append(const)
        return code.replace(co_consts=tuple(consts))

    def compile_tests(source):
        tree = StrictCompares().visit(parse(source, "<tests>", tests_offset))
        ast.fix_missing_locations(tree)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "'str' object is not callable": the marks
            code = compile(tree, "<tests>", "exec")
        return inject(code, {compare_mark: compare, exit_mark: sys.exit})

    # What the tests start from: modules, their containers, builtins and sys as before the candidate.
    def module_state():
        state = []
        for name, module in list(sys.modules.items()):
            namespace = getattr(module, "__dict__", None)
            if type(namespace) is not dict:
                continue
            saved = dict(namespace)
            boxes = [(v, list(v) if type(v) is list else dict(v) if type(v) is dict else set(v))
                     for k, v in saved.items()
                     if type(v) in (list, dict, set) and k != "__builtins__" and v is not sys.modules]
            state.append((namespace, saved, boxes))
        return state

    def render_traceback(error, sources):
        # A traceback without frame objects: tb_lineno says which source a line is from.
        out = ["Traceback (most recent call last):"]
        tb = error.__traceback__
        tb = tb.tb_next if tb is not None else None  # our own frame
        while tb is not None:
            number = tb.tb_lineno or 0
            for name, offset, source in sources:
                if offset <= number < offset + 10_000_000:
                    lines = source.splitlines()
                    local = number - offset
                    out.append(f'  File "{name}", line {local}')
                    if 0 < local <= len(lines):
                        out.append(f"    {lines[local - 1].strip()}")
                    break
            else:
                out.append(f"  File <library>, line {number}")
            tb = tb.tb_next
        out.append(line(error))
        return "\n".join(out) + "\n"

    def run_tests(code, tests, module_name, limit):
        # Everything this function uses after the candidate starts is a local bound here, so that
        # rebinding a global, a builtin or a module attribute cannot change what it does.
        _exec, _dict, _type, _str, _len, _isinstance = exec, dict, type, str, len, isinstance
        _BaseException, _SystemExit, _MemoryError = BaseException, SystemExit, MemoryError
        _AssertionError, _RecursionError = AssertionError, RecursionError
        _armed, _modules, _stdout, _stderr = armed, sys.modules, real_stdout, real_stderr
        _state, _pristine, _sys_dict = pristine_modules, pristine_builtins, sys.__dict__
        _signal_modules, _refuse_signal, _original = signal_modules, refuse_signal, original_modules
        _render, _line, _capped = render_traceback, line, capped
        error_limit = min(limit, 2000)
        sources = (("<code>", candidate_offset, code), ("<tests>", tests_offset, tests))

        def failed(stage, failure, reason, error):
            return b"F", {"reason": reason, "stage": stage, "failure": failure, "error": _capped(error, error_limit)}

        try:
            candidate = compile(parse(code, "<code>", candidate_offset), "<code>", "exec")
        except (SyntaxError, ValueError) as error:
            detail = syntax_line(error, candidate_offset) if isinstance(error, SyntaxError) else line(error)
            return failed("candidate", None, "syntax", detail)
        try:
            tests_code = compile_tests(tests)
        except (SyntaxError, ValueError) as error:
            detail = syntax_line(error, tests_offset) if isinstance(error, SyntaxError) else line(error)
            return failed("tests", None, "syntax", detail)

        # Signal handlers are called with the current frame; nothing installs one while graded.
        for signal_dict in _signal_modules:
            signal_dict["signal"] = _refuse_signal
        namespace = {"__name__": module_name, "__builtins__": _dict(_pristine)}

        _armed[0] = True
        try:
            _exec(candidate, namespace)
        except _SystemExit as error:
            return failed("candidate", "exit", "error",
                          f"SystemExit: {_str(error.code)} (the program exited before the tests ran)")
        except _MemoryError as error:
            return failed("candidate", None, "memory", _line(error))
        except _BaseException as error:  # noqa: BLE001 - the candidate crashing is a verdict
            _stderr.write(_render(error, sources))
            return failed("candidate", "crash", "error", _line(error))

        # The tests see the modules, builtins and sys the candidate started with; modules the
        # candidate imported are imported afresh by the tests.
        for name in [name for name in _modules if _modules[name] is not _original.get(name)]:
            del _modules[name]
        for namespace_dict, saved, boxes in _state:
            namespace_dict.clear()
            namespace_dict.update(saved)
            for box, contents in boxes:
                box.clear()
                if _type(box) is list:
                    box.extend(contents)
                else:
                    box.update(contents)
        for name, module in _original.items():
            _modules[name] = module
        for signal_dict in _signal_modules:
            signal_dict["signal"] = _refuse_signal
        tests_namespace = _dict(namespace)
        tests_namespace["__builtins__"] = _dict(_pristine)

        try:
            _exec(tests_code, tests_namespace)
        except _SystemExit as error:
            code_value = error.code
            if code_value is None or code_value == 0:
                return failed("tests", "exit", "error",
                              f"SystemExit: {_str(code_value)} (the program exited before the tests finished)")
            _stderr.write(_render(error, sources))
            return failed("tests", "assertion", "error", f"SystemExit: {_str(code_value)}")
        except _AssertionError as error:
            _stderr.write(_render(error, sources))
            return failed("tests", "assertion", "error", _line(error))
        except _MemoryError as error:
            return failed("tests", None, "memory", _line(error))
        except _RecursionError as error:
            return failed("tests", "crash", "error", _line(error))
        except _BaseException as error:  # noqa: BLE001
            _stderr.write(_render(error, sources))
            return failed("tests", "crash", "error", _line(error))
        return b"P", {"reason": "ok"}

    def refuse_signal(*args, **kwargs):
        raise PermissionError("signal handlers are not available while the code is graded")

    # --- entry --------------------------------------------------------------------------------
    def entry(request):
        # `request`: JSON bytes {mode, code, tests?, moduleName, maxOutputBytes}. The answer: one
        # status byte (b"P" only when tests mode saw the tests finish, else b"F"; b"-" in program
        # mode) and a JSON object {reason, result?, error?, stage?, failure?}.
        _dumps, _stdout, _stderr = json.dumps, real_stdout, real_stderr
        job = json.loads(request)
        random.seed()  # the snapshot holds one generator state; each program draws its own
        limit = job["maxOutputBytes"]
        try:
            if job["mode"] == "tests":
                status, answer = run_tests(job["code"], job["tests"], job["moduleName"], limit)
            else:
                status, answer = b"-", run_program(job["code"], job["moduleName"], limit)
        finally:
            _stdout.flush()
            _stderr.flush()
        return status + _dumps(answer).encode("utf-8", "replace")

    signal_modules = tuple(sys.modules[name].__dict__ for name in ("signal", "_signal") if name in sys.modules)
    original_modules = dict(sys.modules)
    # The real __import__: a Python function handed to the candidate would lead it, through
    # __globals__, to this file's namespace. Blocked imports are refused by the audit hook.
    pristine_builtins = dict(builtins.__dict__)
    pristine_modules = module_state()

    # Every class, module-level function and method that exists now is protected from being
    # patched while graded: the hook refuses what raises an audit event (setting __code__ or
    # __defaults__, a class's __module__…), and setting an ordinary attribute on a class, which
    # raises none, is refused by CPython itself: for a tests run the runner marks every class listed
    # in `_lockable` immutable (Py_TPFLAGS_IMMUTABLETYPE, as for C types), and the memory restore
    # after the run unmarks them. So a Counter.__eq__ or Fraction.__eq__ the tests compare with is
    # the library's, before and while they run.
    immutable_type = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE
    class_flags = type.__dict__["__flags__"].__get__
    lockable = []
    protected = set()
    stack = [object]
    while stack:
        cls = stack.pop()
        if id(cls) in protected:
            continue
        protected.add(id(cls))
        flags = class_flags(cls)
        if not flags & immutable_type:
            lockable.append((id(cls), flags))
        try:
            stack.extend(type.__subclasses__(cls))
        except TypeError:
            pass
        for value in list(getattr(cls, "__dict__", {}).values()):
            if isinstance(value, (types.FunctionType, staticmethod, classmethod, property)):
                protected.add(id(value))
    for namespace, _, _ in pristine_modules:
        for value in namespace.values():
            if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType)):
                protected.add(id(value))
    for function in (entry, run_tests, run_program, compare, is_plain, hook, guarded_import,
                     refuse_signal, render_traceback, inject, compile_tests):
        protected.add(id(function))
    hook.__defaults__ = hook.__defaults__[:-2] + (frozenset(protected), id)
    sys.addaudithook(hook)
    return entry, lockable


# The runner reads both (CPython's id() is the address) and then deletes the names.
_entry, _lockable = _install()
del _install
