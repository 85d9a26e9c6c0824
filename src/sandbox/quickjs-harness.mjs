// The JavaScript grading harness, evaluated inside QuickJS *before* the candidate's code. Called
// with the tests' source, it returns { restore, runner } (or { error } when the tests do not parse):
//
// - It captures every intrinsic it will need and snapshots the built-ins (the global object's
//   properties that exist now, their prototypes, the hidden iterator and function prototypes)
//   with their property descriptors.
// - `restore()`, called after the candidate ran, puts those built-ins back (a patched
//   `Array.prototype.includes`, `Object.is` or `JSON.stringify` is undone) and lists what it could
//   not (a frozen, changed built-in); the host fails the run then.
// - `runner()` evaluates the tests with a direct eval inside a function whose parameters are our
//   `assert` and the original built-ins, so neither `globalThis.assert = …` nor a top-level
//   `const assert = …` / `let JSON = …` in the candidate changes what the tests call. The host
//   calls it and sees it return: that, not any value in here, is the pass.
//
// `assert` compares with captured functions and never coerces: `equal(obj, 5)` fails instead of
// calling the object's valueOf, so an object cannot make itself equal to an expected primitive.
// Known limits: a Proxy can still lie about its own keys and values to deepEqual, and a test
// written with a bare `==` (rather than through `assert`) trusts the candidate's valueOf.
export const HARNESS_SOURCE = String.raw`(function (tests) {
  "use strict";
  const G = globalThis;
  const R = Reflect;
  const ownKeys = R.ownKeys, getDesc = R.getOwnPropertyDescriptor, define = R.defineProperty;
  const remove = R.deleteProperty, getProto = R.getPrototypeOf, setProto = R.setPrototypeOf;
  const apply = R.apply;
  const hasOwn = Object.hasOwn, is = Object.is, freeze = Object.freeze, keysOf = Object.keys;
  const isArray = Array.isArray, stringify = JSON.stringify, toText = String;
  const ErrorClass = Error, FunctionClass = Function, SyntaxErrorClass = SyntaxError;
  const originalEval = eval;
  const MapClass = Map, SetClass = Set;
  const mapEntries = Map.prototype.entries, setValues = Set.prototype.values;
  const mapIteratorNext = getProto(new Map().entries()).next;
  const setIteratorNext = getProto(new Set().values()).next;
  const mapSize = getDesc(Map.prototype, "size").get, setSize = getDesc(Set.prototype, "size").get;
  const isObject = (v) => (typeof v === "object" && v !== null) || typeof v === "function";

  // --- the built-ins and their snapshot ---------------------------------------------------------
  const targets = [];
  const names = [];
  const seen = new Set();
  const add = (value, name) => {
    if (!isObject(value) || seen.has(value)) return;
    seen.add(value);
    targets[targets.length] = value;
    names[names.length] = name;
  };
  add(G, "globalThis");
  const generator = function* () {};
  const hidden = [
    [getProto(function () {}), "Function.prototype"],
    [getProto(generator), "%GeneratorFunction.prototype%"],
    [getProto(generator).prototype, "%GeneratorPrototype%"],
    [getProto(async function () {}), "%AsyncFunction.prototype%"],
    [getProto(async function* () {}), "%AsyncGeneratorFunction.prototype%"],
    [getProto(async function* () {}).prototype, "%AsyncGeneratorPrototype%"],
    [getProto(getProto([][Symbol.iterator]())), "%IteratorPrototype%"],
    [getProto([][Symbol.iterator]()), "%ArrayIteratorPrototype%"],
    [getProto(new Map().entries()), "%MapIteratorPrototype%"],
    [getProto(new Set().values()), "%SetIteratorPrototype%"],
    [getProto(""[Symbol.iterator]()), "%StringIteratorPrototype%"],
    [getProto(/a/[Symbol.matchAll]("a")), "%RegExpStringIteratorPrototype%"],
    [getProto(Uint8Array), "%TypedArray%"],
    [getProto(Uint8Array.prototype), "%TypedArray.prototype%"],
  ];
  for (let i = 0; i < hidden.length; i++) add(hidden[i][0], hidden[i][1]);
  const globalKeys = ownKeys(G);
  for (let i = 0; i < globalKeys.length; i++) {
    const desc = getDesc(G, globalKeys[i]);
    if (!desc || !hasOwn(desc, "value") || !isObject(desc.value)) continue;
    const name = toText(globalKeys[i]);
    add(desc.value, name);
    const proto = getDesc(desc.value, "prototype");
    if (proto && hasOwn(proto, "value")) add(proto.value, name + ".prototype");
  }
  const snapshots = [];
  for (let i = 0; i < targets.length; i++) {
    const keys = ownKeys(targets[i]);
    const descs = { __proto__: null };
    for (let j = 0; j < keys.length; j++) descs[keys[j]] = getDesc(targets[i], keys[j]);
    snapshots[i] = { __proto__: null, proto: getProto(targets[i]), keys, descs };
  }
  // Same value (or accessors). Attributes alone do not matter: a frozen but unchanged built-in
  // behaves the same for the tests. Only own fields are read: Object.prototype may be patched.
  const sameDesc = (now, want) => {
    if (hasOwn(want, "value")) return hasOwn(now, "value") && is(now.value, want.value);
    return !hasOwn(now, "value") && now.get === want.get && now.set === want.set;
  };
  // A descriptor defineProperty reads without consulting a (possibly patched) Object.prototype.
  const bare = (desc) =>
    hasOwn(desc, "value")
      ? { __proto__: null, value: desc.value, writable: desc.writable, enumerable: desc.enumerable, configurable: desc.configurable }
      : { __proto__: null, get: desc.get, set: desc.set, enumerable: desc.enumerable, configurable: desc.configurable };

  // After the candidate: only captured functions, index loops and own-property reads, since any
  // prototype may be patched by now.
  const restore = () => {
    const problems = [];
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      const saved = snapshots[i];
      if (getProto(target) !== saved.proto && !setProto(target, saved.proto)) {
        problems[problems.length] = names[i] + " [[Prototype]]";
      }
      for (let j = 0; j < saved.keys.length; j++) {
        const key = saved.keys[j];
        const now = getDesc(target, key);
        if (now !== undefined && sameDesc(now, saved.descs[key])) continue;
        if (!define(target, key, bare(saved.descs[key]))) problems[problems.length] = names[i] + "." + toText(key);
      }
      if (target === G) continue; // the candidate's own globals stay for the tests
      const keys = ownKeys(target);
      if (keys.length === saved.keys.length) continue; // every saved key is back, so none was added
      for (let j = 0; j < keys.length; j++) {
        if (!hasOwn(saved.descs, keys[j]) && !remove(target, keys[j])) {
          problems[problems.length] = names[i] + "." + toText(keys[j]);
        }
      }
    }
    return problems;
  };

  // --- assert -----------------------------------------------------------------------------------
  class AssertionError extends ErrorClass {
    constructor(message) {
      super(message);
      this.name = "AssertionError";
    }
  }
  const show = (v) => {
    try {
      const text = stringify(v);
      return text === undefined ? toText(v) : text;
    } catch {
      try {
        return toText(v);
      } catch {
        return "[unprintable]";
      }
    }
  };
  const collection = (v, kind, size, open, next) => {
    const out = [apply(size, v, [])];
    const it = apply(open, v, []);
    for (;;) {
      const step = apply(next, it, []);
      if (step.done) return out;
      out[out.length] = step.value;
    }
  };
  const deep = (a, b, strict) => {
    if (is(a, b)) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (isArray(a) !== isArray(b)) return false;
    if (strict && getProto(a) !== getProto(b)) return false;
    if (a instanceof MapClass || b instanceof MapClass) {
      if (!(a instanceof MapClass && b instanceof MapClass)) return false;
      return deep(collection(a, 0, mapSize, mapEntries, mapIteratorNext), collection(b, 0, mapSize, mapEntries, mapIteratorNext), strict);
    }
    if (a instanceof SetClass || b instanceof SetClass) {
      if (!(a instanceof SetClass && b instanceof SetClass)) return false;
      return deep(collection(a, 0, setSize, setValues, setIteratorNext), collection(b, 0, setSize, setValues, setIteratorNext), strict);
    }
    const ka = keysOf(a);
    const kb = keysOf(b);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (!hasOwn(b, ka[i]) || !deep(a[ka[i]], b[ka[i]], strict)) return false;
    }
    return true;
  };
  const fail = (message, fallback) => {
    throw new AssertionError(message === undefined ? fallback() : toText(message));
  };
  // Loose equality only between two primitives (or the same object): no valueOf/toString runs.
  const looseEqual = (a, b) => (isObject(a) || isObject(b) ? is(a, b) : a == b);
  const assert = (value, message) => {
    if (!value) fail(message, () => "expected a truthy value, got " + show(value));
  };
  assert.ok = (value, message) => assert(value, message);
  assert.equal = (a, b, m) => {
    if (!looseEqual(a, b)) fail(m, () => show(a) + " == " + show(b));
  };
  assert.notEqual = (a, b, m) => {
    if (looseEqual(a, b)) fail(m, () => show(a) + " != " + show(b));
  };
  assert.strictEqual = (a, b, m) => {
    if (!is(a, b)) fail(m, () => show(a) + " === " + show(b));
  };
  assert.notStrictEqual = (a, b, m) => {
    if (is(a, b)) fail(m, () => show(a) + " !== " + show(b));
  };
  assert.deepEqual = (a, b, m) => {
    if (!deep(a, b, false)) fail(m, () => show(a) + " deep-equals " + show(b));
  };
  assert.deepStrictEqual = (a, b, m) => {
    if (!deep(a, b, true)) fail(m, () => show(a) + " deep-strict-equals " + show(b));
  };
  assert.notDeepEqual = (a, b, m) => {
    if (deep(a, b, false)) fail(m, () => show(a) + " does not deep-equal " + show(b));
  };
  assert.notDeepStrictEqual = (a, b, m) => {
    if (deep(a, b, true)) fail(m, () => show(a) + " does not deep-strict-equal " + show(b));
  };
  assert.throws = (fn, m) => {
    try {
      fn();
    } catch {
      return;
    }
    fail(m, () => "expected the function to throw");
  };
  assert.fail = (m) => fail(m, () => "failed");
  assert.AssertionError = AssertionError;
  const methods = keysOf(assert);
  for (let i = 0; i < methods.length; i++) freeze(assert[methods[i]]);
  freeze(AssertionError.prototype);
  freeze(assert);

  // --- the tests --------------------------------------------------------------------------------
  try {
    new FunctionClass(tests);
  } catch (error) {
    if (error instanceof SyntaxErrorClass) return { error: "SyntaxError: " + error.message };
  }
  const params = [];
  const values = [];
  const identifier = /^[A-Za-z_$][\w$]*$/;
  for (let i = 0; i < globalKeys.length; i++) {
    const key = globalKeys[i];
    if (typeof key !== "string" || !identifier.test(key) || key === "eval" || key === "assert") continue;
    const desc = getDesc(G, key);
    if (!desc || !hasOwn(desc, "value")) continue;
    params[params.length] = key;
    values[values.length] = desc.value;
  }
  const factory = apply(FunctionClass, undefined, [
    ...params,
    "eval",
    "assert",
    "__deliberate_tests__",
    "return function () { return eval(__deliberate_tests__); };",
  ]);
  const runner = apply(factory, undefined, [...values, originalEval, assert, tests]);
  return { restore, runner };
})`;
