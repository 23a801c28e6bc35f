// Orders device and slot ids the way a person reads them: `cam-2` before `cam-10`. Runs of
// digits compare as numbers, everything else by code unit. Written out rather than taken from
// Intl.Collator('en', { numeric: true }): the ids are Kubernetes names (lowercase letters,
// digits, "-" and "."), which both order alike, and ICU's collation data costs an agent about
// 3 MiB of resident memory the moment it is first used.

const ZERO = 48;
const NINE = 57;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let endA = i;
      while (endA < a.length && isDigit(a.charCodeAt(endA))) endA++;
      let endB = j;
      while (endB < b.length && isDigit(b.charCodeAt(endB))) endB++;
      // Leading zeros do not make a number larger.
      let startA = i;
      while (startA < endA - 1 && a.charCodeAt(startA) === ZERO) startA++;
      let startB = j;
      while (startB < endB - 1 && b.charCodeAt(startB) === ZERO) startB++;
      if (endA - startA !== endB - startB) return endA - startA - (endB - startB);
      for (let k = 0; k < endA - startA; k++) {
        const d = a.charCodeAt(startA + k) - b.charCodeAt(startB + k);
        if (d !== 0) return d;
      }
      i = endA;
      j = endB;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  const rest = a.length - i - (b.length - j);
  if (rest !== 0) return rest;
  // Equal as numbers ("cam-01", "cam-1"): still a total order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Plain code-unit order (what Array.prototype.sort does), as a comparator; no ICU either. */
export function codeUnitCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
