// The first step of `npm start` on a new machine: the pinned Kubernetes binaries, built once
// (about 6½ minutes on two cores) and cached. While Go works, the step shows the packages
// compiled out of those Go said it must compile, then which binaries are being linked and how
// many are written; on a terminal the line is redrawn every second so the clock moves.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKubeBinaries, type KubeComponent } from './control-plane/binaries.ts';
import { describeBuild, milestone, readBuildLine, startBuild, type BuildProgress } from './control-plane/build-progress.ts';
import type { StartupStep } from './startup-steps.ts';

export function kubeBinariesStep(components: KubeComponent[], now: () => number = Date.now): StartupStep {
  return {
    title: 'Kubernetes binaries',
    async run(step) {
      let state: BuildProgress = startBuild(now());
      let building = false;
      const written = () => (state.binDir ? state.components.filter((c) => existsSync(join(state.binDir ?? '', c))).length : 0);
      const show = () => {
        if (building) step.progress(describeBuild(state, now(), written()), milestone(state));
      };
      const refresh = step.live ? setInterval(show, 1000) : undefined;
      try {
        const binDir = await ensureKubeBinaries(
          components,
          (line) => {
            const next = readBuildLine(state, line, now());
            if (next.version && !building) {
              building = true;
              step.title(`Building Kubernetes v${next.version} (first run only: about 6½ minutes on two cores, then cached)`);
            }
            state = next;
            show();
          },
          { packageProgress: true },
        );
        step.title(building ? `Kubernetes v${state.version}: ${describeBuild(state, now())}, cached in ${binDir}` : `Kubernetes binaries cached in ${binDir}`);
      } finally {
        clearInterval(refresh);
      }
    },
  };
}
