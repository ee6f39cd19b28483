/**
 * A small RTSP 1.0 server (RFC 2326) that relays live RTP feeds to any number of viewers, with
 * optional Digest authentication. It exists because ffmpeg itself cannot serve RTSP to clients (its
 * `-rtsp_flags listen` only accepts one publisher pushing to it), and the RTSP server packages on npm
 * are unmaintained. It speaks the subset that ffmpeg/ffprobe, VLC and NVRs use against cameras:
 * OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, with RTP interleaved on the RTSP TCP
 * connection. A SETUP asking for UDP gets 461 (Unsupported Transport), on which clients retry over
 * TCP; TCP also crosses NAT and firewalls, which is why field tools prefer it anyway.
 * The request grammar is HTTP-like headers plus `$`-framed binary packets; a hand-written reader
 * is shorter than adapting an HTTP parser to the interleaved frames.
 */
import {randomBytes} from 'node:crypto'
import net from 'node:net'

import {type Credentials, DigestGuard} from './digest-auth.js'

export type RtpListener = (packet: Buffer, channel: 0 | 1) => void

/** A live source of RTP packets for one video track. */
export interface RtpFeed {
  /** SDP media section (`m=` and its attributes, without `a=control`); starts the feed if needed. */
  mediaDescription(): Promise<string[]>
  /** channel 0 carries RTP, 1 RTCP. Returns the unsubscribe function. */
  subscribe(listener: RtpListener): () => void
}

export interface RtspServerOptions {
  host: string
  port: number
  /** Stream path with its query (e.g. `/stream1`, `/cam/realmonitor?channel=1&subtype=0`) → feed. */
  feeds: Record<string, RtpFeed>
  auth?: Credentials
  realm?: string
  /** Name in the SDP `s=` line. */
  name?: string
}

export interface RtspServer {
  url(path: string): string
  port: number
  /** Viewers currently playing. */
  viewers(): number
  close(): Promise<void>
}

interface Request {
  method: string
  url: string
  headers: Record<string, string>
}

/** Bytes a slow viewer may have queued before its packets are dropped (bounded memory). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024
const MAX_HEADER_BYTES = 16 * 1024
const TRACK = 'trackID=0'

export async function startRtspServer(options: RtspServerOptions): Promise<RtspServer> {
  const guard = options.auth ? new DigestGuard(options.realm ?? 'rtcc-sim', options.auth) : undefined
  const sockets = new Set<net.Socket>()
  let playing = 0

  const server = net.createServer((socket) => {
    sockets.add(socket)
    let buffer = Buffer.alloc(0)
    let unsubscribe: (() => void) | undefined
    let feed: RtpFeed | undefined
    let channels: [number, number] = [0, 1]
    const session = randomBytes(8).toString('hex')

    const stopPlaying = () => {
      if (!unsubscribe) return
      unsubscribe()
      unsubscribe = undefined
      playing--
    }
    socket.on('close', () => {
      stopPlaying()
      sockets.delete(socket)
    })
    socket.on('error', () => socket.destroy())

    const reply = (req: Request, status: string, headers: Record<string, string | number> = {}, body = '') => {
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${req.headers.cseq ?? '0'}`, 'Server: rtcc-sim', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
      if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
      socket.write(lines.join('\r\n') + '\r\n\r\n' + body)
    }

    const handle = async (req: Request) => {
      if (req.method === 'OPTIONS') return reply(req, '200 OK', {Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER'})
      if (guard) {
        const outcome = guard.check(req.headers.authorization, req.method)
        if (outcome !== 'ok') return reply(req, '401 Unauthorized', {'WWW-Authenticate': guard.challenge()})
      }
      const path = streamPath(req.url)
      switch (req.method) {
        case 'DESCRIBE': {
          const found = path === undefined ? undefined : options.feeds[path]
          if (!found) return reply(req, '404 Not Found')
          const media = await found.mediaDescription()
          const base = req.url.endsWith('/') ? req.url : req.url + '/'
          return reply(req, '200 OK', {'Content-Base': base, 'Content-Type': 'application/sdp'}, sdp(options, media))
        }
        case 'SETUP': {
          feed = path === undefined ? undefined : options.feeds[path]
          if (!feed) return reply(req, '404 Not Found')
          const transport = req.headers.transport ?? ''
          if (!/RTP\/AVP\/TCP/i.test(transport)) return reply(req, '461 Unsupported Transport')
          const asked = /interleaved=(\d+)-(\d+)/.exec(transport)
          channels = asked ? [Number(asked[1]), Number(asked[2])] : [0, 1]
          return reply(req, '200 OK', {Transport: `RTP/AVP/TCP;unicast;interleaved=${channels[0]}-${channels[1]}`, Session: `${session};timeout=60`})
        }
        case 'PLAY': {
          if (!feed) return reply(req, '455 Method Not Valid in This State')
          if (!unsubscribe) {
            playing++
            unsubscribe = feed.subscribe((packet, channel) => {
              if (socket.writableLength > MAX_QUEUED_BYTES) return
              const frame = Buffer.allocUnsafe(4)
              frame[0] = 0x24
              frame[1] = channels[channel]
              frame.writeUInt16BE(packet.length, 2)
              socket.write(Buffer.concat([frame, packet]))
            })
          }
          return reply(req, '200 OK', {Session: session, Range: 'npt=0.000-'})
        }
        case 'TEARDOWN':
          stopPlaying()
          return reply(req, '200 OK', {Session: session})
        case 'GET_PARAMETER':
        case 'SET_PARAMETER':
          return reply(req, '200 OK', {Session: session})
        default:
          return reply(req, '501 Not Implemented')
      }
    }

    let queue = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        if (buffer[0] === 0x24) {
          // An interleaved packet from the client (RTCP receiver report): skip it.
          if (buffer.length < 4) return
          const end = 4 + buffer.readUInt16BE(2)
          if (buffer.length < end) return
          buffer = buffer.subarray(end)
          continue
        }
        const headerEnd = buffer.indexOf('\r\n\r\n')
        if (headerEnd < 0) {
          if (buffer.length > MAX_HEADER_BYTES) socket.destroy()
          return
        }
        const req = parseRequest(buffer.subarray(0, headerEnd).toString('utf8'))
        const bodyLength = Number(req?.headers['content-length'] ?? 0)
        if (buffer.length < headerEnd + 4 + bodyLength) return
        buffer = buffer.subarray(headerEnd + 4 + bodyLength)
        if (!req) return void socket.destroy()
        // Requests are answered in order, even when DESCRIBE waits for a feed to start.
        queue = queue.then(() => handle(req)).catch(() => void socket.destroy())
      }
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    url: (path) => `rtsp://${options.host}:${port}${path}`,
    viewers: () => playing,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function parseRequest(head: string): Request | undefined {
  const [first, ...lines] = head.split('\r\n')
  const match = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(first ?? '')
  if (!match) return undefined
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return {method: match[1]!, url: match[2]!, headers}
}

/** The feed key of a request URL: path and query, without a trailing `/` or `/trackID=0`. */
function streamPath(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    const key = (parsed.pathname + parsed.search).replace(/\/$/, '')
    return key.endsWith('/' + TRACK) ? key.slice(0, -TRACK.length - 1).replace(/\/$/, '') : key
  } catch {
    return undefined
  }
}

function sdp(options: RtspServerOptions, media: string[]): string {
  const id = Date.now()
  return [
    'v=0',
    `o=- ${id} 1 IN IP4 ${options.host}`,
    `s=${options.name ?? 'rtcc simulated camera'}`,
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=control:*',
    ...media,
    `a=control:${TRACK}`,
    '',
  ].join('\r\n')
}
