/**
 * Event fan-out: one event published on the server's hub → delivered to 1000 concurrent dashboards
 * (SSE over TLS 1.3 on loopback), p50/p99 of publish-to-receipt, against the limit of a bare
 * node:https SSE broadcast (the same TLS 1.3, one pre-serialised message written to each response)
 * to the same 1000 clients in the same run. Clients and servers share this process and its clock.
 * A plain-HTTP broadcast is measured too, to show what TLS itself costs. Goal: rtcc ≤ 1.5× the limit.
 */
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import {startServer} from '../src/lib/server/app.js'
import {initServer} from '../src/lib/server/init.js'

const CLIENTS = 1000
const ROUNDS = 30
const CONNECT_CONCURRENCY = 50
const ROUND_TIMEOUT_MS = 10_000

export interface Target {
  url: URL
  headers: Record<string, string>
  ca?: string
  /** Publish one event carrying `seq`; returns the time just before publishing. */
  publish(seq: number): number
}

/** SSE subscribers: each notes when it sees `"seq":N` in what it receives. */
class Subscribers {
  readonly received = new Map<number, number[]>()
  private readonly requests: http.ClientRequest[] = []

  async connect(target: Target, count: number): Promise<void> {
    const agent = target.ca ? new https.Agent({ca: target.ca, maxSockets: Infinity, minVersion: 'TLSv1.3'}) : new http.Agent({maxSockets: Infinity})
    const open = () =>
      new Promise<void>((resolve, reject) => {
        const request = (target.ca ? https : http).get(target.url, {agent, headers: {...target.headers, accept: 'text/event-stream'}}, (response) => {
          if (response.statusCode !== 200) return reject(new Error(`${target.url} answered ${response.statusCode}`))
          response.setEncoding('utf8')
          let tail = ''
          response.on('data', (chunk: string) => {
            const now = performance.now()
            const text = tail + chunk
            for (const match of text.matchAll(/"seq":(\d+)/g)) {
              const seq = Number(match[1])
              const list = this.received.get(seq) ?? []
              list.push(now)
              this.received.set(seq, list)
            }
            tail = text.slice(-16)
          })
          resolve()
        })
        request.on('error', reject)
        this.requests.push(request)
      })
    for (let i = 0; i < count; i += CONNECT_CONCURRENCY) await Promise.all(Array.from({length: Math.min(CONNECT_CONCURRENCY, count - i)}, open))
  }

  close(): void {
    for (const request of this.requests) request.destroy()
  }
}

export async function measure(target: Target): Promise<{p50: number; p99: number; max: number; delivered: number}> {
  const subscribers = new Subscribers()
  await subscribers.connect(target, CLIENTS)
  await sleep(200)
  const latencies: number[] = []
  let delivered = 0
  try {
    for (let seq = 1; seq <= ROUNDS; seq++) {
      const sentAt = target.publish(seq)
      const deadline = Date.now() + ROUND_TIMEOUT_MS
      while ((subscribers.received.get(seq)?.length ?? 0) < CLIENTS && Date.now() < deadline) await sleep(1)
      const times = subscribers.received.get(seq) ?? []
      delivered += times.length
      // The first round warms up the JIT and TLS buffers on both sides.
      if (seq > 1) latencies.push(...times.map((t) => t - sentAt))
      await sleep(20)
    }
  } finally {
    subscribers.close()
  }
  latencies.sort((a, b) => a - b)
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN)
  return {p50: at(0.5), p99: at(0.99), max: round(latencies.at(-1) ?? Number.NaN), delivered}
}

/** The limit: a bare SSE broadcast, the message serialised once and written to every response. */
async function bareServer(tls?: {key: string; cert: string}) {
  const responses = new Set<http.ServerResponse>()
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-store'})
    res.write(': bare\n\n')
    responses.add(res)
    req.on('close', () => responses.delete(res))
  }
  const server = tls ? https.createServer({...tls, minVersion: 'TLSv1.3'}, handler) : http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const target: Target = {
    url: new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/events`),
    headers: {},
    ca: tls?.cert,
    publish: (seq) => {
      const sentAt = performance.now()
      const message = `id: ${seq}\nevent: panic.triggered\ndata: ${JSON.stringify({id: seq, type: 'panic.triggered', data: {seq}})}\n\n`
      for (const res of responses) res.write(message)
      return sentAt
    },
  }
  return {target, close: () => new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })}
}

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-sse-'))
  const admin = {username: 'chief', password: `bench-${randomBytes(9).toString('base64url')}`}
  try {
    await initServer(dataDir, admin)
    const server = await startServer({dataDir, port: 0, version: 'bench'})
    const pin = {certPem: server.ctx.secrets.certPem, fingerprint: server.fingerprint}
    const session = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', admin)
    const rtcc: Target = {
      url: new URL(`${server.url}/v1/events?types=panic.*`),
      headers: {authorization: `Bearer ${session.token}`},
      ca: server.ctx.secrets.certPem,
      publish: (seq) => {
        const sentAt = performance.now()
        server.ctx.events.publish({type: 'panic.triggered', severity: 'critical', data: {seq, site: 'Bench Store', latitude: 41.88, longitude: -87.63, cameras: []}})
        return sentAt
      },
    }
    const ours = await measure(rtcc)
    const closing = server.close()
    server.app.server.closeAllConnections()
    await closing

    const bareTls = await bareServer({key: server.ctx.secrets.keyPem, cert: server.ctx.secrets.certPem})
    const limit = await measure(bareTls.target)
    await bareTls.close()
    const barePlain = await bareServer()
    const plain = await measure(barePlain.target)
    await barePlain.close()

    return {
      clients: CLIENTS,
      events: ROUNDS - 1,
      rtccP50Ms: ours.p50,
      rtccP99Ms: ours.p99,
      rtccMaxMs: ours.max,
      limitTlsP50Ms: limit.p50,
      limitTlsP99Ms: limit.p99,
      plainHttpP99Ms: plain.p99,
      p99Ratio: round(ours.p99 / limit.p99),
      goalRatio: 1.5,
      allDelivered: ours.delivered === CLIENTS * ROUNDS && limit.delivered === CLIENTS * ROUNDS,
    }
  } finally {
    rmSync(dataDir, {recursive: true, force: true})
  }
}

const round = (n: number) => Math.round(n * 100) / 100

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
