/**
 * Live video for agency viewers (`rtcc stream open|record|snapshot|list`). The server hands out a
 * short-lived signed URL to a fragmented-MP4 stream; this client reads it over TLS 1.3 with the
 * server certificate pinned at login. Players and the ffmpeg we ship may not speak TLS 1.3 or pin a
 * certificate, so `--play` and `record` feed them through this process (a loopback-only HTTP server,
 * or ffmpeg's stdin) instead of handing them the HTTPS URL.
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {rename, rm, stat} from 'node:fs/promises'
import http, {type IncomingMessage} from 'node:http'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {basename, dirname, extname, join} from 'node:path'

import type {StreamGrant, StreamKind, StreamView} from '../domain/stream.js'
import {ffmpegPath} from '../media/ffmpeg.js'
import {CliError} from '../output/errors.js'
import {type ApiClient, httpError} from './api.js'
import {pinnedTls} from './pinning.js'

export type Pin = NonNullable<ApiClient['options']['pin']>

export const openStream = (api: ApiClient, cameraId: string, options: {kind?: StreamKind; urlSeconds?: number} = {}): Promise<StreamGrant> =>
  api.post<StreamGrant>('/v1/streams', {cameraId, kind: options.kind ?? 'live', urlSeconds: options.urlSeconds ?? 300})

export const listStreams = (api: ApiClient): Promise<StreamView[]> => api.get<StreamView[]>('/v1/streams')

/** Tells the server this viewer is done, so the Core can stop relaying at once. */
export async function leaveStream(api: ApiClient, grant: Pick<StreamGrant, 'streamId' | 'viewId'>): Promise<void> {
  await api.delete(`/v1/streams/${grant.streamId}/views/${grant.viewId}`).catch(() => undefined)
}

function pinOf(api: ApiClient): Pin {
  if (!api.options.pin) throw new CliError('no pinned certificate for this server', {code: 'not_pinned', hint: 'Log in with `rtcc login URL` (or set RTCC_FINGERPRINT) first.'})
  return api.options.pin
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
    request.on('error', (error) => reject(new CliError(`cannot read the stream: ${error.message}`, {code: 'stream_failed'})))
  })
}

export interface RecordResult {
  cameraId: string
  cameraName: string
  output: string
  seconds: number
  bytes: number
  policy: StreamGrant['policy']
}

/**
 * Records `seconds` of a camera's live video to an MP4 file (stream copy, no re-encode). Written to a
 * temporary name and renamed into place, so a failure never leaves a partial file.
 */
export async function recordStream(api: ApiClient, cameraId: string, options: {seconds: number; output: string; overwrite?: boolean}): Promise<RecordResult> {
  if (!options.overwrite && (await stat(options.output).then(() => true, () => false)))
    throw new CliError(`output already exists: ${options.output}`, {code: 'exists', where: options.output, hint: 'Choose another -o path or pass --force.'})
  const grant = await openStream(api, cameraId, {urlSeconds: 60})
  const partial = join(dirname(options.output), `.${basename(options.output)}.partial${extname(options.output) || '.mp4'}`)
  let source: IncomingMessage | undefined
  try {
    source = await watch(grant.url, pinOf(api))
    await remux(source, partial, options.seconds)
    await rename(partial, options.output)
  } finally {
    source?.destroy()
    await rm(partial, {force: true})
    await leaveStream(api, grant)
  }
  const {size} = await stat(options.output)
  return {cameraId, cameraName: grant.cameraName, output: options.output, seconds: options.seconds, bytes: size, policy: grant.policy}
}

/** ffmpeg copies `seconds` of the fragmented MP4 on stdin into a regular MP4 file. */
function remux(source: IncomingMessage, output: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-c', 'copy', '-t', String(seconds), '-movflags', '+faststart', '-f', 'mp4', output]
    const child = spawn(ffmpegPath(), args, {stdio: ['pipe', 'ignore', 'pipe']})
    let stderr = ''
    // Connecting and the first fragment take a few seconds on top of the clip itself.
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    child.stdin.on('error', () => undefined) // ffmpeg closes stdin when it has enough
    source.on('end', () => child.stdin.end())
    source.pipe(child.stdin)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      source.unpipe(child.stdin)
      if (code === 0) resolve()
      else reject(new CliError(`recording failed: ${stderr.trim().split('\n').pop() ?? `ffmpeg exited ${code}`}`, {code: 'record_failed', hint: 'The stream may have ended (policy window, owner revoked); check `rtcc stream list`.'}))
    })
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
  if (response.body[0] !== 0xff || response.body[1] !== 0xd8) throw new CliError(`the server's snapshot of ${cameraId} is not a JPEG`, {where: `GET /${path}`})
  return response.body
}

/**
 * A loopback-only HTTP server that relays one watch URL through the pinned TLS connection, for a local
 * player. Its path is random, so another local user cannot watch through it. Returns its URL and a
 * close function.
 */
export async function loopbackRelay(url: string, pin: Pin): Promise<{url: string; close: () => Promise<void>}> {
  const path = `/${randomBytes(16).toString('hex')}/live.mp4`
  const server = http.createServer((req, res) => {
    if (req.url !== path) return void res.writeHead(404).end()
    watch(url, pin).then(
      (upstream) => {
        res.writeHead(200, {'content-type': 'video/mp4', 'cache-control': 'no-store'})
        upstream.pipe(res)
        res.on('close', () => upstream.destroy())
      },
      (error: Error) => res.writeHead(502, {'content-type': 'text/plain'}).end(error.message),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
