/**
 * Live video for agency viewers (`rtcc stream open|record|snapshot|list`), as far as the server is
 * concerned: ask for a short-lived signed URL to a fragmented-MP4 stream, list streams, leave one,
 * take a snapshot, and read a watch URL over TLS 1.3 with the server certificate pinned at login.
 * What runs locally on the video (ffmpeg recording, the loopback relay a player reads) is in
 * media/stream-record.ts and media/stream-player.ts.
 */
import type {IncomingMessage} from 'node:http'
import https from 'node:https'

import type {StreamGrant, StreamKind, StreamView} from '../domain/stream.js'
import {RtccError} from '../errors.js'
import {type ApiClient, httpError} from './api.js'
import {pinnedTls} from './pinning.js'

export type Pin = NonNullable<ApiClient['options']['pin']>

/** The certificate pinned for this client's server; a watch URL is read only through it. */
export function pinOf(api: ApiClient): Pin {
  if (!api.options.pin) throw new RtccError('no pinned certificate for this server', {code: 'not_pinned', hint: 'Log in with `rtcc login URL` (or set RTCC_FINGERPRINT) first.'})
  return api.options.pin
}

export const openStream = (api: ApiClient, cameraId: string, options: {kind?: StreamKind; urlSeconds?: number} = {}): Promise<StreamGrant> =>
  api.post<StreamGrant>('/v1/streams', {cameraId, kind: options.kind ?? 'live', urlSeconds: options.urlSeconds ?? 300})

export const listStreams = (api: ApiClient): Promise<StreamView[]> => api.get<StreamView[]>('/v1/streams')

/** Tells the server this viewer is done, so the Core can stop relaying at once. */
export async function leaveStream(api: ApiClient, grant: Pick<StreamGrant, 'streamId' | 'viewId'>): Promise<void> {
  await api.delete(`/v1/streams/${grant.streamId}/views/${grant.viewId}`).catch(() => undefined)
}

/** Opens a watch URL with the pinned certificate; resolves with the response once its headers arrive. */
export function watch(url: string, pin: Pin): Promise<IncomingMessage> {
  const tls = pinnedTls(pin)
  return new Promise((resolve, reject) => {
    const request = https.get(url, {ca: tls.certificateAuthority, checkServerIdentity: tls.checkServerIdentity, minVersion: 'TLSv1.3', agent: false}, (res) => {
      if (res.statusCode === 200) return resolve(res)
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => {
        let data
        try {
          data = JSON.parse(body)
        } catch {
          data = undefined
        }
        reject(httpError(res.statusCode ?? 0, data, 'GET stream URL'))
      })
    })
    request.on('error', (error) => reject(new RtccError(`cannot read the stream: ${error.message}`, {code: 'stream_failed'})))
  })
}

/** One JPEG of a camera's live video, taken by the server from the relayed stream. */
export async function streamSnapshot(api: ApiClient, cameraId: string): Promise<Buffer> {
  const path = `v1/streams/${encodeURIComponent(cameraId)}/snapshot`
  let response
  try {
    response = await api.http.get(path, {responseType: 'buffer', timeout: {request: 30_000}})
  } catch (error) {
    throw await api.networkError(error)
  }
  if (response.statusCode >= 400) {
    let body
    try {
      body = JSON.parse(response.body.toString('utf8'))
    } catch {
      body = undefined
    }
    throw httpError(response.statusCode, body, `GET /${path}`)
  }
  if (response.body[0] !== 0xff || response.body[1] !== 0xd8) throw new RtccError(`the server's snapshot of ${cameraId} is not a JPEG`, {where: `GET /${path}`})
  return response.body
}
