// Seeded inputs for the hostile-input suite: mulberry32, so a failing input can be rebuilt
// from its seed, plus small helpers to build inputs from pieces.
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Pieces drawn at random and joined until the text is exactly `length` characters long. */
export function fromPieces(random: Random, pieces: readonly string[], length: number): string {
  let text = '';
  while (text.length < length) text += pick(random, pieces);
  return text.slice(0, length);
}
