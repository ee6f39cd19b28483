/**
 * Camera health as the Core sees it: does the ONVIF device service answer (GetSystemDateAndTime, which
 * needs no credentials), and does the RTSP stream deliver video (ffprobe)? A camera is online when its
 * stream does; the ONVIF answer tells an installer whether the device or just its stream is down.
 */
import type {CameraHealth, CoreCameraConfig} from '../domain/core.js'
import {probeStream} from '../media/probe.js'
import {redactText, withCredentials} from '../media/redact.js'
import {soapCall, SoapCallError} from '../onvif/device-client.js'

const ONVIF_TIMEOUT_MS = 3000
const PROBE_TIMEOUT_MS = 8000
/** Probes at once: each starts an ffprobe and makes the camera start a stream. */
export const HEALTH_CONCURRENCY = 4

async function onvifReachable(url: string | null): Promise<CameraHealth['onvif']> {
  if (!url) return 'none'
  try {
    await soapCall(url, '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>', {timeoutMs: ONVIF_TIMEOUT_MS})
    return 'ok'
  } catch (error) {
    // A SOAP fault is still an answer: the device is there (some firmware wants credentials even here).
    return error instanceof SoapCallError && error.kind === 'fault' ? 'ok' : 'unreachable'
  }
}

export async function checkCamera(camera: CoreCameraConfig, now: () => Date = () => new Date()): Promise<CameraHealth> {
  const [onvif, stream] = await Promise.all([
    onvifReachable(camera.deviceServiceUrl),
    probeStream(withCredentials(camera.rtspUrl, camera.credentials?.user, camera.credentials?.password), {timeoutMs: PROBE_TIMEOUT_MS}).then(
      (info) => ({info, error: null}),
      (error: Error) => ({info: null, error: redactText(error.message)}),
    ),
  ])
  return {
    cameraId: camera.id,
    status: stream.info ? 'online' : 'offline',
    onvif,
    stream: stream.info && {codec: stream.info.codec, width: stream.info.width, height: stream.info.height, fps: stream.info.fps},
    detail: stream.error ? `${stream.error}${onvif === 'ok' ? ' (the device answers ONVIF)' : onvif === 'unreachable' ? ' (the device does not answer ONVIF either)' : ''}` : null,
    checkedAt: now().toISOString(),
  }
}

/** Checks cameras a few at a time. */
export async function checkCameras(cameras: CoreCameraConfig[]): Promise<CameraHealth[]> {
  const results: CameraHealth[] = new Array(cameras.length)
  let next = 0
  const worker = async () => {
    while (next < cameras.length) {
      const i = next++
      results[i] = await checkCamera(cameras[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(HEALTH_CONCURRENCY, cameras.length)}, worker))
  return results
}
