/**
 * Interleaves async iterables in arrival order (fan-out samples streaming side by side).
 * Stopping the merged stream stops every source.
 */
export async function* mergeStreams<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; result: IteratorResult<T> }>>();
  const pull = (i: number) =>
    pending.set(
      i,
      iterators[i].next().then((result) => ({ i, result })),
    );
  for (let i = 0; i < iterators.length; i++) pull(i);
  try {
    while (pending.size > 0) {
      const { i, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield result.value;
    }
  } finally {
    // Sources still running were abandoned by the consumer (or another source threw). Not awaited:
    // a source blocked on the network finishes its current step first; callers abort them via signals.
    for (const i of pending.keys()) iterators[i].return?.().catch(() => undefined);
  }
}
