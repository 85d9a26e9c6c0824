import type { ModelBackend } from "../models/types.ts";
import { wrapBackend } from "../models/wrap-backend.ts";
import type { Gauge } from "./metrics.ts";

/**
 * Wraps a backend so the `deliberate_backend_in_flight` gauge counts its generations (samples) in flight.
 * A disconnected client aborts its generations; the gauge returning to zero shows they were freed.
 * Everything else (id, fingerprint, capabilities, score, close) is the backend's own.
 */
export function instrumentBackend(backend: ModelBackend, inFlight: Gauge): ModelBackend {
  const labels = { backend: backend.id };
  inFlight.set(labels, 0);
  return wrapBackend(backend, {
    async wrapGenerate({ doGenerate, request }) {
      const n = request.n ?? 1;
      inFlight.add(labels, n);
      try {
        return await doGenerate();
      } finally {
        inFlight.add(labels, -n);
      }
    },
    async *wrapStream({ doStream, request }) {
      const n = request.n ?? 1;
      inFlight.add(labels, n);
      try {
        yield* doStream();
      } finally {
        inFlight.add(labels, -n);
      }
    },
  });
}
