import { describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import { isNodeLost } from './node-loss.ts';

const node = (status?: 'True' | 'False' | 'Unknown'): V1Node => ({
  metadata: { name: 'edge-1' },
  status: { conditions: status ? [{ type: 'Ready', status }] : [] },
});

describe('isNodeLost', () => {
  it('a deleted node, and one whose kubelet stopped reporting (Unknown), are lost', () => {
    expect(isNodeLost(undefined, false)).toBe(true);
    expect(isNodeLost(node('Unknown'), false)).toBe(true);
    expect(isNodeLost(node('Unknown'), true)).toBe(true);
  });

  it('a Ready node is not', () => {
    expect(isNodeLost(node('True'), true)).toBe(false);
  });

  it('a NotReady node is lost only after it was seen Ready (Akri acts on Ready -> NotReady only)', () => {
    expect(isNodeLost(node('False'), true)).toBe(true);
    // A node joining NotReady (its CNI not up yet) keeps its Instances: its agent is right there.
    expect(isNodeLost(node('False'), false)).toBe(false);
    expect(isNodeLost(node(undefined), false)).toBe(false);
  });
});
