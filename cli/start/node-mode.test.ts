import { describe, expect, it } from 'vitest';
import { chooseNodeMode, kubeletSetting } from './node-mode.ts';

describe('whether npm start runs a real kubelet', () => {
  it('is automatic unless an argument or AKRI_TS_KUBELET says otherwise; arguments win', () => {
    expect(kubeletSetting([], {})).toBe('auto');
    expect(kubeletSetting([], { AKRI_TS_KUBELET: '' })).toBe('auto');
    expect(kubeletSetting([], { AKRI_TS_KUBELET: 'off' })).toBe('off');
    expect(kubeletSetting([], { AKRI_TS_KUBELET: 'on' })).toBe('on');
    expect(kubeletSetting(['--no-kubelet'], { AKRI_TS_KUBELET: 'on' })).toBe('off');
    expect(kubeletSetting(['--kubelet'], { AKRI_TS_KUBELET: 'off' })).toBe('on');
  });

  it('refuses a setting it does not know, naming it', () => {
    expect(() => kubeletSetting([], { AKRI_TS_KUBELET: 'yes' })).toThrow('AKRI_TS_KUBELET: expected auto, on or off, got "yes"');
    expect(() => kubeletSetting(['--kubelets'], {})).toThrow('npm start: unknown argument "--kubelets"');
  });

  it('runs one when nothing is missing, unless turned off', () => {
    expect(chooseNodeMode('auto', { missing: [] })).toEqual({ kind: 'kubelet' });
    expect(chooseNodeMode('on', { missing: [] })).toEqual({ kind: 'kubelet' });
    expect(chooseNodeMode('off', { missing: [] })).toEqual({ kind: 'heartbeat', why: 'turned off (--no-kubelet or AKRI_TS_KUBELET=off)' });
  });

  it('falls back to the heartbeat with every reason on one line when automatic', () => {
    const mode = chooseNodeMode('auto', { missing: ['runc is not on PATH; install it with: apt-get install runc'], lockHolder: 42, foreignKubelet: '/var/lib/kubelet/device-plugins/kubelet.sock' });
    expect(mode.kind).toBe('heartbeat');
    const why = mode.kind === 'heartbeat' ? mode.why : '';
    expect(why).not.toContain('\n');
    expect(why).toBe(
      'runc is not on PATH; install it with: apt-get install runc; another real node runs on this machine (pid 42 holds the node lock); ' +
        'a kubelet already runs on this machine (/var/lib/kubelet/device-plugins/kubelet.sock answers)',
    );
  });

  it('fails with the reasons when a kubelet was asked for and cannot run', () => {
    expect(() => chooseNodeMode('on', { missing: ['the kubelet and containerd must run as root'] })).toThrow(
      'a real kubelet was asked for (--kubelet or AKRI_TS_KUBELET=on) but cannot run here:\n- the kubelet and containerd must run as root',
    );
  });
});
