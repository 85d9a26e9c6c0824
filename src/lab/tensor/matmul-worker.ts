/**
 * The body of a MatmulPool worker: park on the shared "posted" counter, take each job from the port
 * synchronously, compute its rows, bump the shared "done" counter and wake the main thread.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { type MatmulJob, runMatmulJob } from "./matmul-pool.ts";

const { port, counters, index } = workerData as { port: MessagePort; counters: Int32Array; index: number };

// Tell the main thread this worker can take jobs.
Atomics.store(counters, 2 + index, 1);

let seen = 0;
for (;;) {
  const message = receiveMessageOnPort(port);
  if (message === undefined) {
    // Nothing queued: sleep until the main thread posts more (the counter moves past `seen`).
    seen = Atomics.load(counters, 0);
    const again = receiveMessageOnPort(port);
    if (again === undefined) {
      Atomics.wait(counters, 0, seen);
      continue;
    }
    finish(again.message as MatmulJob);
    continue;
  }
  finish(message.message as MatmulJob);
}

function finish(job: MatmulJob): void {
  runMatmulJob(job);
  Atomics.add(counters, 1, 1);
  Atomics.notify(counters, 1);
}
