// Orders device and slot ids the way a person reads them: `cam-2` before `cam-10`. One collator
// for the process, because String.prototype.localeCompare with options builds a new one on
// every call, which costs more than the rest of a GetPreferredAllocation.
const collator = new Intl.Collator('en', { numeric: true });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
