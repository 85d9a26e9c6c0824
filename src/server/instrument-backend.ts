import type { GenerateRequest, ModelBackend, StreamEvent } from "../models/types.ts";
import type { Gauge } from "./metrics.ts";

/**
 * Wraps a backend so the `deliberate_backend_in_flight` gauge counts its generations (samples) in flight.
 * A disconnected client aborts its generations; the gauge returning to zero shows they were freed.
 */
export function instrumentBackend(backend: ModelBackend, inFlight: Gauge): ModelBackend {
  const labels = { backend: backend.id };
  inFlight.set(labels, 0);
  const track = async <T>(request: GenerateRequest, run: () => Promise<T>): Promise<T> => {
    const n = request.n ?? 1;
    inFlight.add(labels, n);
    try {
      return await run();
    } finally {
      inFlight.add(labels, -n);
    }
  };
  return {
    id: backend.id,
    get capabilities() {
      return backend.capabilities;
    },
    generate: (request) => track(request, () => backend.generate(request)),
    async *stream(request): AsyncIterable<StreamEvent> {
      const n = request.n ?? 1;
      inFlight.add(labels, n);
      try {
        yield* backend.stream(request);
      } finally {
        inFlight.add(labels, -n);
      }
    },
    score: backend.score && ((request) => backend.score!(request)),
    close: () => backend.close(),
  };
}
