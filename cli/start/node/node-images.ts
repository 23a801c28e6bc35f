// The two images a real node needs, both from busybox: the pod sandbox ("pause") image that
// containerd's CRI plugin starts first in every pod, and the broker, which prints its
// environment (where the device plugin's Allocate env lands), serves it over HTTP on port 8083
// (GET /env, so a broker Service can be tried end to end) and then stays up.
import type { ImageRecipe } from './image-archive.ts';

// busybox sh as PID 1 ignores SIGTERM unless it traps it; the short sleep lets the trap run.
const stayUp = "trap 'exit 0' TERM INT; while :; do sleep 1; done";

export const PAUSE_IMAGE: ImageRecipe = { repository: 'akri-ts/pause', cmd: ['/bin/sh', '-c', stayUp] };

/** The lines around the environment the broker prints first (what npm start's view reads back). */
export const BROKER_ENV_BEGIN = '--- environment ---';
export const BROKER_ENV_END = '--- end ---';

export const BROKER_IMAGE: ImageRecipe = {
  repository: 'akri-ts/broker',
  cmd: [
    '/bin/sh',
    '-c',
    `echo '${BROKER_ENV_BEGIN}'; env | sort; echo '${BROKER_ENV_END}'; mkdir -p /tmp/www && env | sort > /tmp/www/env && httpd -p 8083 -h /tmp/www; ${stayUp}`,
  ],
};
