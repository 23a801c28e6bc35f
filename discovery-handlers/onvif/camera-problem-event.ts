// How a camera problem reads as a Kubernetes Event: a reason per failure kind (so a user can
// tell wrong credentials from a broken camera at a glance) and a message naming the camera and
// the step. Built from the problem's own fields, which never hold a credential.
import type { HandlerProblem } from '../../lib/discovery/handler.ts';
import type { CameraProblem } from './camera-inspection.ts';

const REASONS: Record<CameraProblem['kind'], string> = {
  timeout: 'OnvifCameraTimeout',
  'too-large': 'OnvifCameraResponseTooLarge',
  malformed: 'OnvifCameraMalformedResponse',
  fault: 'OnvifCameraSoapFault',
  unauthorized: 'OnvifCameraUnauthorized',
  http: 'OnvifCameraHttpError',
  network: 'OnvifCameraUnreachable',
  tls: 'OnvifCameraCertificateRejected',
  'credentials-withheld': 'OnvifCredentialsWithheld',
  aborted: 'OnvifCameraAborted',
  'invalid-response': 'OnvifCameraInvalidResponse',
};

export function cameraProblemEvent(problem: CameraProblem): HandlerProblem {
  return {
    reason: REASONS[problem.kind],
    message: `camera ${problem.uuid} at ${problem.serviceUrl}: ${problem.step} failed (${problem.kind}): ${problem.message}`.slice(0, 1000),
  };
}
