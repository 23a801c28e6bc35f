import { RE2JS } from 're2js';
function rnd(seed: number) { let s = seed >>> 0; return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
const next = rnd(5);
const pick = <T,>(a: T[]) => a[Math.floor(next() * a.length)];
const alphabet = 'aabbcz-_0123é📷 ';
const name = () => { let s = ''; while (Buffer.byteLength(s) < 244) s += alphabet[Math.floor(next() * alphabet.length)]; return s; };
const atoms = ['a', 'b', '.', '[a-z]', '[a-m]', '\\d', '\\p{L}', '[^b]', '(?:a|a)', '(a|b)', 'é', '\\w', '\\s'];
const quant = ['', '*', '+', '?', '{0,5}', '{0,20}', '{2,9}', '*?'];
function gen(depth: number): string { let s = ''; const n = 1 + Math.floor(next() * 4); for (let i = 0; i < n; i++) { const atom = depth < 3 && next() < 0.3 ? `(?:${gen(depth + 1)}${next()<0.5 ? '|' + gen(depth+1) : ''})` : pick(atoms); s += atom + pick(quant); } return s; }
for (let i = 0; i < 200; i++) for (const a of atoms) RE2JS.compile(a + '{0,20}c' + i).test(name());
const CAP = Number(process.argv[2]);
const perPattern: number[] = []; let count = 0;
while (count < 300) {
  const p = (next() < 0.5 ? '^' : '') + gen(0) + (next() < 0.5 ? '$' : '');
  let r; try { r = RE2JS.compile(p); } catch { continue; }
  if (r.programSize() > CAP) continue;
  count++;
  const names = Array.from({length: 50}, name);
  const t = performance.now(); for (const n of names) r.test(n); perPattern.push((performance.now() - t) / 50);
}
perPattern.sort((a,b)=>a-b);
console.log('cap', CAP, 'mean-per-name by pattern: p50', perPattern[150].toFixed(4), 'p99', perPattern[296].toFixed(4), 'max', perPattern[299].toFixed(4));
