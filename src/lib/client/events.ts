/**
 * Follow the server's event stream, reconnecting with exponential backoff and jitter, and resuming
 * from the last event id seen so nothing is missed across a disconnect or a server restart.
 */
import type {RtccEvent} from '../domain/events.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'
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
  let attempt = 0
  while (!options.signal?.aborted) {
    options.onState?.('connecting')
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
      attempt = 0
      for await (const message of readSse(stream)) {
        const event = JSON.parse(message.data) as RtccEvent
        lastId = event.id
        yield event
      }
      options.onState?.('disconnected', 'server closed the stream')
    } catch (error) {
      if (options.signal?.aborted) return
      if ((error as {exitCode?: number}).exitCode === 4) throw error
      options.onState?.('disconnected', (error as Error).message)
    }
    attempt++
    const ceiling = Math.min(options.maxBackoffMs ?? 30_000, 500 * 2 ** Math.min(attempt, 10))
    await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)))
  }
}
