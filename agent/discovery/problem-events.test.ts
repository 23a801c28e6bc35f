// A camera that stays broken repeats its problem every poll; the Configuration's Events must
// not turn into an API write per poll, yet a different problem must still show at once.
import { describe, expect, it } from 'vitest';
import type { EventTarget, EventType } from '../../lib/kube/event-recorder.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { problemEventReporter } from './problem-events.ts';

class RecordingEvents {
  readonly recorded: Array<[EventType, string, string]> = [];
  async record(_target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    this.recorded.push([type, reason, message]);
  }
}

describe('handler problems as Events', () => {
  it('records a problem as a Warning once per interval, and a different problem at once', () => {
    const events = new RecordingEvents();
    let now = 0;
    const report = problemEventReporter(
      events,
      { apiVersion: 'akri.sh/v0', kind: 'Configuration', name: 'cams', namespace: 'default' },
      new Logger({}, 'error', new MemorySink()),
      60_000,
      () => now,
    );
    report({ reason: 'OnvifCameraUnauthorized', message: 'camera x: denied' });
    now = 10_000;
    report({ reason: 'OnvifCameraUnauthorized', message: 'camera x: denied' });
    report({ reason: 'OnvifCameraTimeout', message: 'camera y: no answer' });
    now = 61_000;
    report({ reason: 'OnvifCameraUnauthorized', message: 'camera x: denied' });
    expect(events.recorded).toEqual([
      ['Warning', 'OnvifCameraUnauthorized', 'camera x: denied'],
      ['Warning', 'OnvifCameraTimeout', 'camera y: no answer'],
      ['Warning', 'OnvifCameraUnauthorized', 'camera x: denied'],
    ]);
  });
});
