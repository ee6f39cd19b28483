/**
 * A TCP proxy on loopback in front of the server that can drop the link once: the first connection
 * whose upstream (browser → server) bytes pass `afterBytes` is cut, and for `downMs` every new
 * connection is refused, as when a home connection goes away for a moment. TLS passes through untouched.
 */
import {connect, createServer, type Socket} from 'node:net'

export interface CuttingProxy {
  url: string
  /** Where to forward (the server's port, known only after it started). */
  forwardTo(port: number): void
  cutOnce(afterBytes: number, downMs: number): void
  /** Resolves when the cut happened. */
  cut: Promise<void>
  stop(): Promise<void>
}

export async function startCuttingProxy(): Promise<CuttingProxy> {
  let target = 0
  let plan: {afterBytes: number; downMs: number} | undefined
  let downUntil = 0
  let markCut!: () => void
  const cut = new Promise<void>((resolve) => (markCut = resolve))
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    if (Date.now() < downUntil) return client.destroy()
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => undefined)
    }
    let sent = 0
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length
      if (plan && sent > plan.afterBytes) {
        downUntil = Date.now() + plan.downMs
        plan = undefined
        client.destroy()
        upstream.destroy()
        markCut()
        return
      }
      upstream.write(chunk)
    })
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  return {
    url: `https://127.0.0.1:${port}`,
    forwardTo: (p) => (target = p),
    cutOnce: (afterBytes, downMs) => (plan = {afterBytes, downMs}),
    cut,
    stop: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
