import assert from "node:assert/strict";
import { test } from "node:test";
import { type Interpreter, InterpreterPool } from "../../src/sandbox/interpreter-pool.ts";

/** A stand-in interpreter: counts what the pool does with it, runs nothing. */
class Fake implements Interpreter {
  ended = false;
  constructor(
    readonly memoryMb: number,
    readonly id: number,
  ) {}
  end(): void {
    this.ended = true;
  }
}

interface FakeOptions {
  size?: number;
  keepIdle?: number;
  lingerMs?: number;
  replaces?: (f: Fake) => boolean;
}

/** Each pool reads its size from a variable of its own (unset: the default). */
let pools = 0;

function fakePool(options: FakeOptions = {}) {
  const variable = `DELIBERATE_TEST_POOL_${++pools}`;
  const started: Fake[] = [];
  const pool = new InterpreterPool<Fake>({
    start: (memoryMb) => {
      const fake = new Fake(memoryMb, started.length);
      started.push(fake);
      return fake;
    },
    sizeVariable: variable,
    defaultSize: options.size ?? 2,
    keepIdle: options.keepIdle ?? 1,
    lingerMs: options.lingerMs ?? 60_000,
    ...(options.replaces ? { replaces: options.replaces } : {}),
  });
  const live = () => started.filter((fake) => !fake.ended).length;
  const resize = (size: number) => {
    process.env[variable] = String(size);
  };
  return { pool, started, live, resize };
}

/** A task that holds its interpreter until `release()` is called. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Polls until `done()` (no fixed sleep to tune): timers in these tests are a few ms. */
async function until(done: () => boolean, deadlineMs = 5_000): Promise<void> {
  const start = performance.now();
  while (!done() && performance.now() - start < deadlineMs) await new Promise((r) => setTimeout(r, 5));
}

test("at most `size` runs at once, the rest in call order, each on an interpreter of its own", async () => {
  const { pool, started, live } = fakePool({ size: 2 });
  const gates = [gate(), gate(), gate(), gate()];
  const order: number[] = [];
  let running = 0;
  let most = 0;
  const runs = gates.map((g, i) =>
    pool.use(64, async (fake) => {
      assert.equal(fake.ended, false, "an ended interpreter was handed out");
      order.push(i);
      running++;
      most = Math.max(most, running);
      assert.ok(live() <= 2, `${live()} live interpreters`);
      await g.opened;
      running--;
      return fake.id;
    }),
  );
  await tick();
  assert.deepEqual(order, [0, 1]);
  gates[1].open();
  await tick();
  assert.deepEqual(order, [0, 1, 2]);
  gates[0].open();
  gates[2].open();
  gates[3].open();
  const ids = await Promise.all(runs);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3]);
  // Two interpreters served all four runs; the later runs reused the warm ones.
  assert.equal(started.length, 2);
  assert.deepEqual(new Set(ids), new Set([0, 1]));
});

test("idle interpreters past keepIdle stay warm for lingerMs, then end", async () => {
  const { pool, started, live } = fakePool({ size: 3, keepIdle: 1, lingerMs: 20 });
  const gates = [gate(), gate(), gate()];
  const runs = gates.map((g) => pool.use(64, () => g.opened));
  await tick();
  for (const g of gates) g.open();
  await Promise.all(runs);
  // All three idle at first: a batch right after finds them warm.
  assert.equal(live(), 3);
  await Promise.all([0, 1, 2].map(() => pool.use(64, async () => undefined)));
  assert.equal(started.length, 3);
  // After the linger, one stays for good.
  await until(() => live() === 1);
  assert.equal(live(), 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(live(), 1);
});

test("a run takes an idle interpreter of its memoryMb, else gets a new one; idle ones make room", async () => {
  const { pool, started, live } = fakePool({ size: 3, keepIdle: 2 });
  assert.equal(await pool.use(64, async (fake) => fake.id), 0);
  assert.equal(await pool.use(32, async (fake) => fake.id), 1);
  // Both idle now; the same memoryMb reuses its own.
  assert.equal(await pool.use(64, async (fake) => fake.id), 0);
  assert.equal(await pool.use(32, async (fake) => fake.id), 1);
  // A third memoryMb: the oldest idle one is ended, so at most keepIdle stay idle with the new one.
  assert.equal(await pool.use(128, async (fake) => fake.id), 2);
  assert.equal(started[0].ended, true);
  assert.equal(live(), 2);
  // A full pool makes room the same way: three busy of one memoryMb end the idle ones of others.
  const gates = [gate(), gate(), gate()];
  const runs = gates.map((g) => pool.use(256, () => g.opened));
  await tick();
  assert.ok(live() <= 3, `${live()} live interpreters`);
  for (const g of gates) g.open();
  await Promise.all(runs);
});

test("an interpreter its run ended is never handed out again; `replaces` starts a fresh one", async () => {
  const { pool, started } = fakePool({ keepIdle: 2, replaces: (fake) => fake.memoryMb === 64 });
  await pool.use(64, async (fake) => fake.end());
  // Replaced in the background: a fresh, idle interpreter of the same memoryMb.
  assert.equal(started.length, 2);
  assert.equal(started[1].ended, false);
  assert.equal(await pool.use(64, async (fake) => fake.id), 1);
  await pool.use(32, async (fake) => fake.end());
  assert.equal(started.length, 3, "no replacement where `replaces` says no");
  // An idle interpreter that died on its own is skipped.
  assert.equal(started[1].ended, false);
  started[1].end();
  assert.equal(await pool.use(64, async (fake) => fake.id), 3);
});

test("the size is read from its variable at every admission: a larger one lets waiting runs start", async () => {
  const { pool, resize } = fakePool({ size: 1 });
  const first = gate();
  const second = gate();
  const order: string[] = [];
  const a = pool.use(64, async () => {
    order.push("a");
    await first.opened;
  });
  const b = pool.use(64, async () => {
    order.push("b");
    await second.opened;
  });
  await tick();
  assert.deepEqual(order, ["a"]);
  resize(2);
  const c = pool.use(64, async () => {
    order.push("c");
  });
  await tick();
  // Admitting `c` read the new size: `b` (first in line) started, then `c` waits its turn.
  assert.deepEqual(order.slice(0, 2), ["a", "b"]);
  first.open();
  second.open();
  await Promise.all([a, b, c]);
  assert.deepEqual(order, ["a", "b", "c"]);
});

test("close ends idle and running interpreters; none of them is kept or replaced afterwards", async () => {
  const { pool, started, live } = fakePool({ size: 2, keepIdle: 2, replaces: () => true });
  await pool.use(32, async () => undefined);
  const running = gate();
  const run = pool.use(64, async (fake) => {
    await running.opened;
    return fake;
  });
  await tick();
  assert.equal(live(), 2);
  await pool.close();
  assert.equal(live(), 0);
  running.open();
  const used = await run;
  assert.equal(used.ended, true);
  assert.equal(started.length, 2, "no replacement after close");
  // The next run starts afresh.
  assert.equal(await pool.use(64, async (fake) => fake.id), 2);
});
