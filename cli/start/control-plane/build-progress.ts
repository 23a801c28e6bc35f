// How far the first-run Kubernetes build has got, read from what tools/kube-binaries/build.sh
// prints with AKRI_TS_BUILD_PROGRESS=1: its "Building" and "Compiling N packages" lines, Go's
// "go: downloading" lines, and one import path per package as `go build -v` compiles it.
// Pure: lines in, state out; the describing functions say what is measured and what is guessed.
// The package count is real (Go's own list of dependencies missing from its build cache); the
// time left is an estimate from the pace so far, and linking has no measure but binaries written.

export type BuildPhase = 'resolving' | 'compiling' | 'linking' | 'done';

export interface BuildProgress {
  phase: BuildPhase;
  version: string;
  /** Components being built, e.g. kube-apiserver. */
  components: string[];
  /** Where the binaries land (from the "Building" line). */
  binDir: string | undefined;
  modulesDownloaded: number;
  /** Packages go build will compile (go list: dependencies not in the build cache). */
  packagesTotal: number | undefined;
  packagesCompiled: number;
  /** Components whose main package has compiled: their link is running or done. */
  linking: string[];
  startedAt: number;
  compilingSince: number | undefined;
  seconds: number | undefined;
}

export function startBuild(now: number): BuildProgress {
  return {
    phase: 'resolving',
    version: '',
    components: [],
    binDir: undefined,
    modulesDownloaded: 0,
    packagesTotal: undefined,
    packagesCompiled: 0,
    linking: [],
    startedAt: now,
    compilingSince: undefined,
    seconds: undefined,
  };
}

const BUILDING = /^Building Kubernetes v(\S+): (.+?) \(first run only; cached in (.+)\)$/;
const COMPILING = /^Compiling (\d+) packages/;
const BUILT = /^Built .* in (\d+) s$/;
const DOWNLOADING = /^go: downloading \S+ \S+$/;
/** What `go build -v` prints for a package: its import path alone on the line. */
const IMPORT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.~+-]*(\/[A-Za-z0-9_.~+-]+)*$/;
const COMPONENT_PACKAGE = 'k8s.io/kubernetes/cmd/';

/** The state after one more line of the build's output (stderr). Unknown lines change nothing. */
export function readBuildLine(p: BuildProgress, line: string, now: number): BuildProgress {
  const text = line.trim();
  let m: RegExpExecArray | null;
  if ((m = BUILDING.exec(text))) {
    return { ...p, version: m[1] ?? '', components: (m[2] ?? '').split(' ').filter(Boolean), binDir: m[3] };
  }
  if (DOWNLOADING.test(text)) return { ...p, modulesDownloaded: p.modulesDownloaded + 1 };
  if ((m = COMPILING.exec(text))) return { ...p, phase: 'compiling', packagesTotal: Number(m[1]), compilingSince: now };
  if ((m = BUILT.exec(text))) return { ...p, phase: 'done', seconds: Number(m[1]) };
  if (p.phase !== 'compiling' && p.phase !== 'linking') return p;
  if (!IMPORT_PATH.test(text)) return p;
  if (text.startsWith(COMPONENT_PACKAGE)) {
    const component = text.slice(COMPONENT_PACKAGE.length);
    if (p.components.includes(component) && !p.linking.includes(component)) {
      return { ...p, phase: 'linking', linking: [...p.linking, component] };
    }
  }
  return { ...p, packagesCompiled: p.packagesCompiled + 1 };
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/**
 * Seconds of compiling left at the pace so far, or undefined while too little is known to guess
 * (under 5% done or under 15 s in). Packages differ a lot in size, so this is a rough guess.
 */
export function estimateSecondsLeft(p: BuildProgress, now: number): number | undefined {
  if (p.compilingSince === undefined || !p.packagesTotal) return undefined;
  const elapsed = now - p.compilingSince;
  const done = p.packagesCompiled / p.packagesTotal;
  if (done < 0.05 || elapsed < 15_000 || done >= 1) return undefined;
  return ((elapsed / done) * (1 - done)) / 1000;
}

/**
 * One line saying what the build is doing now. `written` is how many of the components'
 * binaries are already in the bin directory (the only measure of linking there is).
 */
export function describeBuild(p: BuildProgress, now: number, written = 0): string {
  const elapsed = clock(now - p.startedAt);
  switch (p.phase) {
    case 'resolving':
      return p.modulesDownloaded > 0
        ? `resolving packages: ${p.modulesDownloaded} Go module(s) downloaded so far · ${elapsed}`
        : `resolving packages (Go downloads the modules it lacks) · ${elapsed}`;
    case 'compiling': {
      const total = p.packagesTotal ?? 0;
      const fraction = total > 0 ? p.packagesCompiled / total : 1;
      const left = estimateSecondsLeft(p, now);
      const guess = left === undefined ? '' : ` · about ${clock(left * 1000)} left (a guess from the pace so far)`;
      return `compiling ${bar(fraction)} ${p.packagesCompiled}/${total} packages · ${elapsed}${guess}`;
    }
    case 'linking': {
      const total = p.packagesTotal ?? 0;
      const compiled = total > 0 && p.packagesCompiled < total ? ` · compiled ${p.packagesCompiled}/${total} packages` : '';
      return `linking ${p.linking.join(', ')} (${written}/${p.components.length} binaries written)${compiled} · ${elapsed}`;
    }
    case 'done':
      return `built ${p.components.join(', ')} in ${p.seconds ?? Math.round((now - p.startedAt) / 1000)} s`;
  }
}

/**
 * A coarse summary that changes only at milestones: a new phase, each tenth of the packages,
 * each binary whose link starts, each half-decade of modules downloaded (1, 4, 10, 32...). Output that is not a terminal
 * (a CI log) gets a line only when this changes, not one per package.
 */
export function milestone(p: BuildProgress): string {
  const total = p.packagesTotal ?? 0;
  const tenth = total > 0 ? Math.floor((p.packagesCompiled / total) * 10) : 0;
  const downloads = p.modulesDownloaded === 0 ? 0 : Math.floor(Math.log10(p.modulesDownloaded) * 2);
  return `${p.phase}:${tenth}:${p.linking.length}:${downloads}`;
}
