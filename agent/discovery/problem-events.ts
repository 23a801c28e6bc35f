// Turns an embedded handler's problem reports (a camera refusing credentials, a peer sending
// malformed XML...) into Warning Events on the Configuration, where `kubectl describe` shows
// them. A broken device repeats its problem every poll, so the same reason and message is
// recorded at most once per interval; the EventRecorder counts the repeats it does record.
import type { HandlerProblem } from '../../lib/discovery/handler.ts';
import type { EventRecorder, EventTarget } from '../../lib/kube/event-recorder.ts';
import type { Logger } from '../../lib/observability/logger.ts';

/** Distinct problems remembered per Configuration: a flood of different ones stays bounded. */
const MAX_REMEMBERED = 512;

export function problemEventReporter(
  events: Pick<EventRecorder, 'record'>,
  target: EventTarget,
  log: Logger,
  minIntervalMs = 60_000,
  now: () => number = Date.now,
): (problem: HandlerProblem) => void {
  const lastRecorded = new Map<string, number>();
  return (problem) => {
    const key = `${problem.reason}\0${problem.message}`;
    const last = lastRecorded.get(key);
    if (last !== undefined && now() - last < minIntervalMs) return;
    if (lastRecorded.size >= MAX_REMEMBERED) lastRecorded.delete(lastRecorded.keys().next().value ?? '');
    lastRecorded.set(key, now());
    events.record(target, 'Warning', problem.reason, problem.message).catch((err: unknown) => {
      log.warn('could not record a handler problem as an Event', { error: (err as Error).message });
    });
  };
}
