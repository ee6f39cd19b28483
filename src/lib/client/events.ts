/**
 * Follow the server's event stream, reconnecting (fast after a server restart, else with exponential
 * backoff and jitter: core/backoff.ts) and resuming from the last event id seen, so nothing is missed
 * across a disconnect or a server restart.
 */
import type {RtccEvent} from '../domain/events.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'
import {Reconnect} from '../core/backoff.js'
import {readSse} from './sse.js'

export interface FollowOptions {
  types?: string[]
  lastEventId?: number
  signal?: AbortSignal
  onState?: (state: 'connecting' | 'connected' | 'disconnected', detail?: string) => void
  maxBackoffMs?: number
}

export async function* followEvents(api: ApiClient, options: FollowOptions = {}): AsyncGenerator<RtccEvent> {
  let lastId = options.lastEventId
  const reconnect = new Reconnect({baseMs: 1000, maxMs: options.maxBackoffMs ?? 30_000})
  while (!options.signal?.aborted) {
    options.onState?.('connecting')
    let connectedAt = 0
    let serverShutdown = false
    try {
      const stream = api.http.stream('v1/events', {
        searchParams: options.types?.length ? {types: options.types.join(',')} : undefined,
        headers: lastId !== undefined ? {'last-event-id': String(lastId)} : {},
        timeout: {request: undefined, connect: 10_000},
        signal: options.signal,
      })
      const response = await new Promise<{statusCode: number}>((resolve, reject) => {
        stream.once('response', resolve)
        stream.once('error', reject)
      })
      if (response.statusCode >= 400) {
        let body = ''
        for await (const chunk of stream) body += chunk
        throw httpError(response.statusCode, JSON.parse(body || '{}'), 'GET /v1/events')
      }
      options.onState?.('connected')
      connectedAt = Date.now()
      for await (const message of readSse(stream)) {
        const event = JSON.parse(message.data) as RtccEvent
        lastId = event.id
        yield event
      }
      // The server ends the stream itself only when it shuts down (a restart, usually).
      serverShutdown = true
      options.onState?.('disconnected', 'server closed the stream')
    } catch (error) {
      if (options.signal?.aborted) return
      if ((error as {exitCode?: number}).exitCode === 4) throw error
      options.onState?.('disconnected', (error as Error).message)
    }
    if (connectedAt) reconnect.dropped(Date.now() - connectedAt, serverShutdown)
    await new Promise((resolve) => setTimeout(resolve, reconnect.next()))
  }
}
