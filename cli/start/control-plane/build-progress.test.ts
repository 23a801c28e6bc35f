// Reading the first-run build's output into progress: the lines build.sh and `go build -v`
// really print (recorded from a build of the stand-in module), what is counted, what is
// guessed, and how few lines a CI log gets.
import { describe, expect, it } from 'vitest';
import { describeBuild, estimateSecondsLeft, milestone, readBuildLine, startBuild, type BuildProgress } from './build-progress.ts';

const header = 'Building Kubernetes v1.34.4: kube-apiserver kubectl (first run only; cached in /c/kubernetes-v1.34.4/bin)';

function feed(lines: string[], start = 0, step = 1000): BuildProgress {
  let p = startBuild(start);
  lines.forEach((line, i) => (p = readBuildLine(p, line, start + (i + 1) * step)));
  return p;
}

const packages = Array.from({ length: 40 }, (_, i) => `k8s.io/apimachinery/pkg/p${i}`);

describe('first-run build progress', () => {
  it('counts module downloads while Go resolves packages', () => {
    const p = feed([header, 'go: downloading k8s.io/api v0.34.4', 'go: downloading github.com/spf13/cobra v1.9.1']);
    expect(p).toMatchObject({ phase: 'resolving', version: '1.34.4', components: ['kube-apiserver', 'kubectl'], binDir: '/c/kubernetes-v1.34.4/bin', modulesDownloaded: 2 });
    expect(describeBuild(p, 5000)).toBe('resolving packages: 2 Go module(s) downloaded so far · 0:05');
  });

  it('counts compiled packages against the total Go listed, not lines that only look like paths', () => {
    const p = feed([header, 'Compiling 40 packages, then linking kube-apiserver kubectl', ...packages.slice(0, 10), '# k8s.io/broken', 'vet: something: odd', 'runtime/internal/sys']);
    expect(p.phase).toBe('compiling');
    expect(p.packagesTotal).toBe(40);
    expect(p.packagesCompiled).toBe(11);
    expect(describeBuild(p, 14_000)).toBe('compiling ██████░░░░░░░░░░░░░░ 11/40 packages · 0:14');
  });

  it('guesses the time left from the pace so far, and says it is a guess', () => {
    // 10 of 40 packages in 20 s: 60 s more at that pace.
    let p = feed([header, 'Compiling 40 packages, then linking kube-apiserver kubectl'], 0, 1000);
    for (const pkg of packages.slice(0, 10)) p = readBuildLine(p, pkg, 20_000);
    expect(estimateSecondsLeft(p, 2000 + 20_000)).toBeCloseTo(60, 5);
    expect(describeBuild(p, 22_000)).toMatch(/10\/40 packages · 0:22 · about 1:00 left \(a guess from the pace so far\)$/);
    // Too early to guess: nothing is claimed.
    expect(estimateSecondsLeft(readBuildLine(p, 'x', 0), 2000 + 5000)).toBeUndefined();
  });

  it('turns to linking when a component main package compiles, and counts binaries written', () => {
    const p = feed([header, 'Compiling 40 packages, then linking kube-apiserver kubectl', ...packages, 'k8s.io/kubernetes/cmd/kubectl']);
    expect(p.phase).toBe('linking');
    expect(p.linking).toEqual(['kubectl']);
    expect(p.packagesCompiled).toBe(40);
    expect(describeBuild(p, 60_000, 1)).toBe('linking kubectl (1/2 binaries written) · 1:00');
    const done = readBuildLine(readBuildLine(p, 'k8s.io/kubernetes/cmd/kube-apiserver', 61_000), 'Built kube-apiserver kubectl in 75 s', 75_000);
    expect(done.phase).toBe('done');
    expect(describeBuild(done, 75_000)).toBe('built kube-apiserver, kubectl in 75 s');
  });

  it('gives a CI log a line per tenth of the packages, not one per package', () => {
    let p = feed([header, 'Compiling 40 packages, then linking kube-apiserver kubectl']);
    const milestones = new Set<string>([milestone(p)]);
    for (const pkg of packages) {
      p = readBuildLine(p, pkg, 0);
      milestones.add(milestone(p));
    }
    p = readBuildLine(p, 'k8s.io/kubernetes/cmd/kubectl', 0);
    milestones.add(milestone(p));
    // 0%, 10%, ... 100%, then the link.
    expect(milestones.size).toBe(12);
  });

  it('reads the lines the real script prints (build.sh and go build -v)', async () => {
    const { readFileSync } = await import('node:fs');
    const script = readFileSync(new URL('../../../tools/kube-binaries/build.sh', import.meta.url), 'utf8');
    // The three lines this module parses are the ones build.sh writes.
    expect(script).toContain('echo "Building Kubernetes v$version: ${missing[*]} (first run only; cached in $bin)" >&2');
    expect(script).toContain('echo "Compiling $todo packages, then linking ${missing[*]}" >&2');
    expect(script).toContain('echo "Built ${missing[*]} in $(( $(date +%s) - start )) s" >&2');
  });
});
