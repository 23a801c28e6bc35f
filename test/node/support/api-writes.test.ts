// Finding writes that repeat state: only a successful write identical to the same writer's
// previous write to the same object counts; a change back and forth does not.
import { describe, expect, it } from 'vitest';
import { repeatedWrites, writeCounts, type ApiWrite } from './api-writes.ts';

const w = (user: string, object: string, body: string, verb = 'patch', code = 200): ApiWrite => ({ user, verb, object, body, code, at: '' });

describe('writes that repeat state', () => {
  it('flags the same request from the same writer to the same object twice in a row', () => {
    const writes = [w('agent', 'instances a/x', '{"n":1}'), w('agent', 'instances a/x', '{"n":1}'), w('agent', 'instances a/y', '{"n":1}')];
    expect(repeatedWrites(writes)).toEqual([writes[1]]);
  });

  it('does not flag a change and its reversal, other writers, or failed writes', () => {
    const writes = [
      w('agent', 'instances a/x', '{"n":1}'),
      w('agent', 'instances a/x', '{"n":2}'),
      w('agent', 'instances a/x', '{"n":1}'),
      w('controller', 'instances a/x', '{"n":1}'),
      w('agent', 'instances a/x', '{"n":1}', 'patch', 409),
    ];
    expect(repeatedWrites(writes)).toEqual([]);
  });

  it('counts writes per writer and verb', () => {
    expect(writeCounts([w('agent', 'o', '1'), w('agent', 'o', '2', 'delete'), w('agent', 'p', '1')])).toEqual({ agent: { patch: 2, delete: 1 } });
  });
});
